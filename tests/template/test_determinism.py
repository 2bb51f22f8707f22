"""The same bytes every time, in-process and from the script, small enough to send inline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from infra.template import build_template, template_json

ROOT = Path(__file__).resolve().parents[2]
INLINE_TEMPLATE_BODY_LIMIT = 51_200


def test_two_builds_are_byte_identical() -> None:
    assert template_json() == template_json()
    assert build_template().to_json() == build_template().to_json()


def test_script_prints_exactly_template_json_and_nothing_else() -> None:
    proc = subprocess.run(
        [sys.executable, "build_template.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert proc.stdout == template_json()
    assert proc.stdout.endswith("}\n")
    assert proc.stderr == ""


def test_template_fits_an_inline_template_body() -> None:
    assert len(template_json().encode()) <= INLINE_TEMPLATE_BODY_LIMIT
