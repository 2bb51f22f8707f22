"""The Lambda zip: runtime-matched wheels, no boto3, deterministic bytes, cached downloads."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from deployer import packager


def test_lambda_function_is_at_the_root(built_package: packager.Package) -> None:
    names = zipfile.ZipFile(built_package.path).namelist()
    assert "lambda_function.py" in names
    assert any(n.startswith("pixelprompt/") for n in names)


def test_pillow_is_built_for_cpython_312_on_linux_x86_64(built_package: packager.Package) -> None:
    names = set(zipfile.ZipFile(built_package.path).namelist())
    assert "PIL/_imaging.cpython-312-x86_64-linux-gnu.so" in names
    assert "requests/__init__.py" in names
    wheel = [n for n in names if n.startswith("pillow-") and n.endswith("/WHEEL")]
    tags = zipfile.ZipFile(built_package.path).read(wheel[0]).decode()
    assert "cp312-cp312-manylinux" in tags and "x86_64" in tags


def test_runtime_provided_and_useless_files_are_left_out(built_package: packager.Package) -> None:
    names = zipfile.ZipFile(built_package.path).namelist()
    tops = {n.split("/")[0] for n in names}
    assert not tops & {"boto3", "botocore", "s3transfer", "bin"}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert names == sorted(names)


def test_entries_have_fixed_timestamps_and_modes(built_package: packager.Package) -> None:
    infos = zipfile.ZipFile(built_package.path).infolist()
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


def copy_handler(repo_root: Path, tmp_path: Path) -> Path:
    handler = tmp_path / "handler"
    shutil.copytree(repo_root / "handler", handler, ignore=shutil.ignore_patterns("__pycache__"))
    return handler


def test_two_builds_and_a_touch_give_the_same_sha256(
    repo_root: Path, tmp_path: Path, built_package: packager.Package
) -> None:
    handler = copy_handler(repo_root, tmp_path)
    first = packager.build(handler, dest=tmp_path / "a.zip", reuse=False)
    for path in handler.rglob("*"):
        os.utime(path, (1_900_000_000, 1_900_000_000))  # a `touch` of every file
    second = packager.build(handler, dest=tmp_path / "b.zip", reuse=False)
    assert first.sha256 == second.sha256
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_a_source_change_changes_the_hash(repo_root: Path, tmp_path: Path) -> None:
    handler = copy_handler(repo_root, tmp_path)
    before = packager.build(handler)
    with (handler / "lambda_function.py").open("a") as source:
        source.write("\n# changed\n")
    after = packager.build(handler)
    assert before.sha256 != after.sha256


def test_dependencies_are_not_downloaded_again(
    repo_root: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    built_package: packager.Package,
) -> None:
    def no_pip(*args: object, **kwargs: object) -> None:
        raise AssertionError("pip ran although the dependencies are cached")

    monkeypatch.setattr(subprocess, "run", no_pip)
    handler = copy_handler(repo_root, tmp_path)
    rebuilt = packager.build(handler, dest=tmp_path / "c.zip", reuse=False)
    assert (
        "PIL/_imaging.cpython-312-x86_64-linux-gnu.so" in zipfile.ZipFile(rebuilt.path).namelist()
    )


def test_pip_targets_the_lambda_runtime_not_this_interpreter(tmp_path: Path) -> None:
    command = packager.pip_command(Path("requirements.txt"), tmp_path)
    text = " ".join(command)
    assert "--platform manylinux2014_x86_64" in text
    assert "--python-version 3.12" in text and "--implementation cp" in text
    assert "--only-binary=:all:" in text


def test_the_cli_builds_the_zip_alone(repo_root: Path, tmp_path: Path) -> None:
    target = tmp_path / "function.zip"
    done = subprocess.run(
        ["python", "deploy.py", "--package", str(target)],
        cwd=repo_root, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert target.exists() and packager._sha256_file(target) in done.stdout


def test_copied_dependency_entries_equal_a_full_recompression(
    built_package: packager.Package, tmp_path: Path
) -> None:
    from deployer import ziputil
    from deployer.models import HANDLER_DIR

    deps, _ = packager.dependencies(HANDLER_DIR / "requirements.txt", packager.cache_root())
    entries = dict(packager._files(deps))
    with zipfile.ZipFile(built_package.path) as built:
        own = {n: n for n in built.namelist() if n not in entries}
        contents = {n: built.read(n) for n in own}
    for name, data in contents.items():
        (tmp_path / "own" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "own" / name).write_bytes(data)
    entries.update({n: tmp_path / "own" / n for n in own})
    ziputil.write_zip(sorted(entries.items()), tmp_path / "full.zip")
    assert (tmp_path / "full.zip").read_bytes() == built_package.path.read_bytes()
