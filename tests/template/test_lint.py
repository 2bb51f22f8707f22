"""cfn-lint on the generated template: no error, warning or informational finding."""

from __future__ import annotations

from cfnlint.api import ManualArgs, lint

from infra.template import template_json

REGIONS = ["us-east-1", "eu-west-1"]


def findings(template: str) -> list[str]:
    # One region per run: cfn-lint 1.58 given both regions at once takes ~70 s on this template
    # (its multi-region checks multiply), one at a time ~1.5 s each, with the same rules.
    return [
        f"{region} {m.rule.id} {m.path_string}: {m.message}"
        for region in REGIONS
        for m in lint(template, config=ManualArgs(regions=[region], include_checks=["I"]))
    ]


def test_cfn_lint_reports_nothing_at_all() -> None:
    assert findings(template_json()) == []


def test_cfn_lint_does_catch_a_broken_template() -> None:
    # GIVEN the same template with a runtime Lambda retired long ago
    broken = template_json().replace('"Runtime":"python3.12"', '"Runtime":"python2.7"')
    # THEN the linter objects, so the clean result above means something
    assert any(f.split()[1] == "E2533" for f in findings(broken))
