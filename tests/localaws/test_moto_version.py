"""The local AWS patches private moto internals: a moto upgrade must fail here, loudly."""

from __future__ import annotations

import importlib
import importlib.metadata

from local.aws.patches import MOTO_VERSION, PATCHED


def test_the_installed_moto_is_the_one_the_patches_were_written_against() -> None:
    installed = importlib.metadata.version("moto")
    assert installed == MOTO_VERSION, (
        f"moto {installed} is installed; local/aws's patches of moto's private internals were "
        f"written against {MOTO_VERSION}. Review each one in local.aws.patches.PATCHED against "
        "the new release, then update MOTO_VERSION and requirements.txt together."
    )


def test_every_patched_internal_exists() -> None:
    missing = []
    for target in PATCHED:
        module_name, _, attribute_path = target.partition(":")
        found: object = importlib.import_module(module_name)
        for name in attribute_path.split("."):
            found = getattr(found, name, None)
            if found is None:
                missing.append(target)
                break
    assert missing == [], f"moto no longer has: {missing}"


def test_requirements_pin_the_same_moto() -> None:
    from pathlib import Path

    pins = (Path(__file__).resolve().parents[2] / "requirements.txt").read_text()
    assert f"moto[server]=={MOTO_VERSION}" in pins
