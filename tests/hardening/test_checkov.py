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


KNOWN_BAD = {  # a bucket with no public access block, logging or versioning
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {"Bare": {"Type": "AWS::S3::Bucket", "Properties": {}}},
}


ARGS = ["--framework", "cloudformation", "-o", "json", "--quiet", "--skip-download"]


def run_checkov(docs: dict[str, dict[str, Any]], tmp_path: Path) -> dict[str, Any]:
    """One checkov run over several templates (its start-up is most of the time)."""
    for name, doc in docs.items():
        (tmp_path / name).write_text(json.dumps(doc, indent=1))
    proc = subprocess.run(
        [checkov_bin(), "-f", *docs, *ARGS],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},  # no platform look-ups
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    report = json.loads(proc.stdout or "{}")
    reports = report if isinstance(report, list) else [report]
    merged: dict[str, Any] = {"failed": {name: [] for name in docs}, "resources": 0}
    for rep in reports:
        for check in rep.get("results", {}).get("failed_checks", []):
            merged["failed"][Path(check["file_path"]).name].append(check)
        merged["resources"] += rep.get("summary", {}).get("resource_count", 0)
    return merged


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return template()


@pytest.fixture(scope="module")
def scan(built: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    docs = {"template.json": built, "known_bad.json": KNOWN_BAD}
    return run_checkov(docs, tmp_path_factory.mktemp("checkov"))


def test_checkov_finds_no_failed_check(built: dict[str, Any], scan: dict[str, Any]) -> None:
    assert scan["resources"] > len(KNOWN_BAD["Resources"]), "checkov did not scan the template"
    failed = [
        f"{c['check_id']} {c['resource']}: {c['check_name']}"
        for c in scan["failed"]["template.json"]
    ]
    assert failed == []


def test_checkov_reports_a_known_bad_bucket(scan: dict[str, Any]) -> None:
    # The same run fails a bare bucket: the scan above can really fail.
    public_access_block = {"CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"}
    assert {c["check_id"] for c in scan["failed"]["known_bad.json"]} >= public_access_block


def test_every_skip_names_a_check_and_a_reason(built: dict[str, Any]) -> None:
    for logical_id, resource in built["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert skip.get("id", "").startswith(("CKV_AWS_", "CKV2_AWS_")), logical_id
            assert len(skip.get("comment", "").strip()) > 10, f"{logical_id} {skip['id']}"
