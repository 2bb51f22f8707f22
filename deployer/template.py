"""The template body to deploy: infra's template plus a digest of the secret parameters.

CloudFormation answers "****" for NoEcho values, so "is the deployed stack identical?" cannot
compare them. A salted digest of those values goes into the template's Metadata instead; a
changed key then changes the body, and an unchanged one leaves the body byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from .packager import cache_root

INFRA_DIR = Path(__file__).resolve().parent.parent / "infra"
INLINE_LIMIT = 51_200  # CloudFormation's TemplateBody limit in bytes; larger goes via S3
METADATA_KEY = "PixelPromptDeploy"

TemplateSource = Callable[[], str]


def infra_template(cache: Path | None = None) -> str:
    """The project's template, built in-process (no subprocess).

    The builder is pure (its output is byte-identical for the same sources), so its JSON is
    kept per hash of infra/'s sources and the troposphere/awacs versions: an unchanged
    redeploy skips importing and running it.
    """
    path = (cache or cache_root()) / "templates" / f"{infra_key()}.json"
    if path.exists():
        return path.read_text(encoding="utf-8")
    from infra.template import template_json

    text = template_json()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return text


def infra_key(infra_dir: Path = INFRA_DIR) -> str:
    digest = hashlib.sha256()
    for package in ("troposphere", "awacs"):
        digest.update(f"{package}=={metadata.version(package)}\0".encode())
    for source in sorted(infra_dir.rglob("*.py")):
        if "__pycache__" not in source.parts:
            rel = source.relative_to(infra_dir).as_posix()
            digest.update(rel.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


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
