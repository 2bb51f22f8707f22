"""What a deploy changes in the stack's parameters, compared with what is deployed (pure).

NoEcho values cannot be read back, so they are compared through the secrets digest that
`template.with_secrets_digest` puts in the template's Metadata: the table can say that a key
changed, never which value it had or has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich.markup import escape
from rich.table import Table

from .params import Parameters, ParamSpec
from .template import METADATA_KEY

SECRETS = "NoEcho parameters (API keys)"


@dataclass(frozen=True)
class ParamChange:
    name: str
    old: str
    new: str


def parameter_changes(
    deployed: Mapping[str, str],
    deployed_template: Mapping[str, Any] | None,
    wanted: Parameters,
    specs: Mapping[str, ParamSpec],
    new_template: Mapping[str, Any],
) -> list[ParamChange]:
    changes = []
    for name, spec in specs.items():
        if spec.no_echo:
            continue
        new = wanted.values.get(name, spec.default or "")
        old = deployed.get(name)
        if old != new:
            changes.append(ParamChange(name, "(none)" if old is None else old, new))
    if _digest(deployed_template) != _digest(new_template):
        changes.append(ParamChange(SECRETS, "****", "changed (values hidden)"))
    return changes


def _digest(template: Mapping[str, Any] | None) -> str | None:
    return ((template or {}).get("Metadata") or {}).get(METADATA_KEY, {}).get("SecretsDigest")


def table(changes: list[ParamChange]) -> Table:
    view = Table(title="Parameters that change")
    for column in ("Parameter", "Deployed", "New"):
        view.add_column(column, overflow="fold")
    for change in changes:
        view.add_row(change.name, escape(change.old), escape(change.new))
    return view
