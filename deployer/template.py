"""The template body to deploy: infra's template plus a digest of the secret parameters.

CloudFormation answers "****" for NoEcho values, so "is the deployed stack identical?" cannot
compare them. A salted digest of those values goes into the template's Metadata instead; a
changed key then changes the body, and an unchanged one leaves the body byte-identical.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

INLINE_LIMIT = 51_200  # CloudFormation's TemplateBody limit in bytes; larger goes via S3
METADATA_KEY = "PixelPromptDeploy"

TemplateSource = Callable[[], str]


def infra_template() -> str:
    """The project's template, built in-process (no subprocess)."""
    from infra.template import template_json

    return template_json()


@dataclass(frozen=True)
class Body:
    text: str

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.text)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def inline(self) -> bool:
        return len(self.text.encode()) <= INLINE_LIMIT


def with_secrets_digest(
    template: Mapping[str, Any], stack_name: str, secrets: Mapping[str, str]
) -> Body:
    """Compact JSON of `template` with the digest of the NoEcho values in its Metadata."""
    data = json.loads(json.dumps(template))
    data.setdefault("Metadata", {})[METADATA_KEY] = {
        "SecretsDigest": secrets_digest(stack_name, secrets)
    }
    return Body(json.dumps(data, separators=(",", ":"), ensure_ascii=False))


def secrets_digest(stack_name: str, secrets: Mapping[str, str]) -> str:
    """Salted by the stack name; provider keys are long random strings, not guessable."""
    payload = json.dumps(dict(sorted(secrets.items())), separators=(",", ":"))
    return hashlib.sha256(f"pixel-prompt:{stack_name}:{payload}".encode()).hexdigest()
