"""The template to deploy: cached per infra source hash, digest of the secrets in Metadata."""

from __future__ import annotations

import shutil
from pathlib import Path

from deployer.template import METADATA_KEY, with_secrets_digest


def test_the_cached_template_is_the_built_one(tmp_path: Path, repo_root: Path) -> None:
    from deployer.template import infra_key, infra_template
    from infra.template import template_json

    first = infra_template(cache=tmp_path)  # built and kept
    assert first == template_json()
    assert infra_template(cache=tmp_path) == first  # read back
    assert len(list((tmp_path / "templates").glob("*.json"))) == 1
    infra = tmp_path / "infra"
    shutil.copytree(repo_root / "infra", infra, ignore=shutil.ignore_patterns("__pycache__"))
    before = infra_key(infra)
    with (infra / "template.py").open("a") as source:
        source.write("\n# a change\n")
    assert infra_key(infra) != before


def test_the_secrets_digest_changes_with_a_key_and_hides_it() -> None:
    one = with_secrets_digest({"Resources": {}}, "stack", {"Model1Key": "sk-one"})
    two = with_secrets_digest({"Resources": {}}, "stack", {"Model1Key": "sk-two"})
    again = with_secrets_digest({"Resources": {}}, "stack", {"Model1Key": "sk-one"})
    assert one.text == again.text and one.text != two.text
    assert "sk-one" not in one.text
    assert set(one.data["Metadata"][METADATA_KEY]) == {"SecretsDigest"}
