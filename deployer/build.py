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


def validate(
    params_file: Path,
    ui: UI,
    *,
    source: TemplateSource = infra_template,
    catalog: ModelCatalog | None = None,
) -> tuple[dict[str, Any], dict[str, params.ParamSpec], params.Parameters]:
    """The parameter check alone: the template, its parameter specs and the checked values."""
    template = load_template(source)
    specs = params.specs_from_template(template)
    catalog = catalog if catalog is not None else load_catalog(ui)
    values = params.load(params_file, specs, catalog)
    if "BedrockModelIds" in specs:
        values = values.with_values(BedrockModelIds=params.bedrock_model_ids(values, catalog))
    return template, specs, values


def prepare(
    params_file: Path,
    ui: UI,
    *,
    source: TemplateSource = infra_template,
    catalog: ModelCatalog | None = None,
    handler_dir: Path = HANDLER_DIR,
    cache: Path | None = None,
) -> Prepared:
    """Validate first (cheap, every problem at once), then build the zip (may download once)."""
    template, specs, values = validate(params_file, ui, source=source, catalog=catalog)
    ui.step("Building the Lambda package (python3.12, manylinux x86_64)")
    package = packager.build(handler_dir, cache=cache)
    ui.say(f"  {package.path.name}  sha256 {package.sha256[:12]}  {package.size / 2**20:.1f} MB")
    return Prepared(template, specs, values, package)
