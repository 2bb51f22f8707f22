"""The local stage: template, validated parameters and the zip. Makes no AWS calls."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import packager, params
from .errors import DeployError
from .models import HANDLER_DIR, HandlerCatalog, ModelCatalog
from .template import TemplateSource, infra_template
from .ui import UI


@dataclass(frozen=True)
class Prepared:
    """Everything a deploy needs that can be known without AWS."""

    template: dict[str, Any]
    specs: dict[str, params.ParamSpec]
    params: params.Parameters  # from the file, plus BedrockModelIds
    package: packager.Package


def load_catalog(ui: UI) -> ModelCatalog | None:
    try:
        return HandlerCatalog()
    except ImportError as exc:
        ui.warn(f"Model names are not checked: the handler's model table is missing ({exc}).")
        return None


def load_template(source: TemplateSource) -> dict[str, Any]:
    try:
        return json.loads(source())
    except ImportError as exc:
        raise DeployError(
            f"The template builder could not be imported: {exc}.",
            fix="Run deploy.py from the project's folder with requirements.txt installed.",
        ) from exc


@dataclass(frozen=True)
class Validated:
    """The template and the parameters checked against it (no zip yet)."""

    template: dict[str, Any]
    specs: dict[str, params.ParamSpec]
    params: params.Parameters


def validate(
    params_file: Path,
    ui: UI,
    *,
    source: TemplateSource = infra_template,
    catalog: ModelCatalog | None = None,
) -> Validated:
    """Cheap and first: every parameter problem at once, before anything is built."""
    template = load_template(source)
    specs = params.specs_from_template(template)
    catalog = catalog if catalog is not None else load_catalog(ui)
    values = params.load(params_file, specs, catalog)
    if "BedrockModelIds" in specs:
        slots = params.bedrock_id_slots(specs["BedrockModelIds"])
        ids = params.bedrock_model_ids(values, catalog, slots=slots)
        values = values.with_values(BedrockModelIds=ids)
    return Validated(template, specs, values)


def package(
    validated: Validated, ui: UI, *, handler_dir: Path = HANDLER_DIR, cache: Path | None = None
) -> Prepared:
    """Build the zip (may download the dependencies once)."""
    ui.step("Building the Lambda package (python3.12, manylinux x86_64)")
    built = packager.build(handler_dir, cache=cache)
    ui.say(f"  {built.path.name}  sha256 {built.sha256[:12]}  {built.size / 2**20:.1f} MB")
    return Prepared(validated.template, validated.specs, validated.params, built)


def prepare(
    params_file: Path,
    ui: UI,
    *,
    source: TemplateSource = infra_template,
    catalog: ModelCatalog | None = None,
    handler_dir: Path = HANDLER_DIR,
    cache: Path | None = None,
) -> Prepared:
    """validate, then package: everything a deploy needs that can be known without AWS."""
    validated = validate(params_file, ui, source=source, catalog=catalog)
    return package(validated, ui, handler_dir=handler_dir, cache=cache)
