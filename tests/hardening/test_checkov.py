"""checkov on the generated template: no failed check; every accepted finding is skipped in the
template's own Metadata with a reason.

checkov pins an old boto3, so it runs from its own venv (.build/tools-venv, made by scripts/test)
or from CHECKOV_BIN.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.hardening._template import template

ROOT = Path(__file__).resolve().parents[2]


def checkov_bin() -> str:
    for candidate in (os.environ.get("CHECKOV_BIN", ""), ROOT / ".build/tools-venv/bin/checkov"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    pytest.skip(
        "checkov not found: set CHECKOV_BIN or run scripts/test, which creates "
        ".build/tools-venv with checkov==3.3.30"
    )


def run_checkov(doc: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "template.json"
    path.write_text(json.dumps(doc, indent=1))
    proc = subprocess.run(
        [
            checkov_bin(),
            "-f",
            str(path),
            "--framework",
            "cloudformation",
            "-o",
            "json",
            "--quiet",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},  # no platform look-ups
    )
    # --quiet with nothing failed may print an empty summary; anything else must be JSON
    report = json.loads(proc.stdout or "{}")
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    reports = report if isinstance(report, list) else [report]
    merged: dict[str, Any] = {"failed": [], "skipped": [], "parsed": 0}
    for rep in reports:
        if not rep:
            continue
        results = rep.get("results", {})
        merged["failed"] += results.get("failed_checks", [])
        merged["skipped"] += results.get("skipped_checks", [])
        merged["parsed"] += rep.get("summary", {}).get("resource_count", 0)
    return merged


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return template()


def test_checkov_finds_no_failed_check(built: dict[str, Any], tmp_path: Path) -> None:
    result = run_checkov(built, tmp_path)
    assert result["parsed"] > 0, "checkov parsed no resource: the scan did not run"
    failed = [f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in result["failed"]]
    assert failed == []


def test_every_skip_names_a_check_and_a_reason(built: dict[str, Any]) -> None:
    for logical_id, resource in built["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert skip.get("id", "").startswith(("CKV_AWS_", "CKV2_AWS_")), logical_id
            assert len(skip.get("comment", "").strip()) > 10, f"{logical_id} {skip['id']}"


def test_checkov_reports_a_known_bad_bucket(tmp_path: Path) -> None:
    # GIVEN a bucket with no encryption, logging, versioning or public access block
    doc = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Bare": {"Type": "AWS::S3::Bucket", "Properties": {}}},
    }
    # THEN checkov reports it: the scan above can really fail
    assert run_checkov(doc, tmp_path)["failed"]
