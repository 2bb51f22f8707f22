"""The product (handler, infra, deployer) never depends on the emulation under local/."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("handler", "infra", "deployer")


def _imports(path: Path) -> list[str]:
    """Every module a file imports, statically or through importlib with a literal name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.append(node.args[0].value)
    return names


def local_imports(folders: tuple[str, ...]) -> list[str]:
    found = []
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name in _imports(path):
                if name == "local" or name.startswith("local."):
                    found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def test_no_product_package_imports_the_local_packages() -> None:
    assert local_imports(PRODUCT) == []


def test_the_check_sees_an_import_of_local(tmp_path: Path, monkeypatch) -> None:
    # GIVEN a product-like folder whose module imports local.aws three ways
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "m.py").write_text(
        "import local.aws\nfrom local.run import serve\n"
        "import importlib\nimportlib.import_module('local.simulator')\n"
    )
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    # THEN each is reported
    assert len(local_imports(("pkg",))) == 3
