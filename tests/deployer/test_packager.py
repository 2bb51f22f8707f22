"""The Lambda zip: runtime-matched wheels, no boto3, deterministic bytes, cached downloads."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


def test_useless_files_are_left_out(built_package: packager.Package) -> None:
    names = zipfile.ZipFile(built_package.path).namelist()
    tops = {n.split("/")[0] for n in names}
    assert "bin" not in tops
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert names == sorted(names)


def _pins(repo_root: Path) -> dict[str, str]:
    lines = (repo_root / "handler" / "requirements.txt").read_text().splitlines()
    return dict(line.split("==") for line in lines if "==" in line and not line.startswith("#"))


def test_the_zip_bundles_the_sdk_the_tests_run_with(
    built_package: packager.Package, repo_root: Path
) -> None:
    import re

    import boto3
    import botocore

    pins = _pins(repo_root)
    # the pins are the versions installed here, which every test of this suite runs with
    assert (pins["boto3"], pins["botocore"]) == (boto3.__version__, botocore.__version__)
    with zipfile.ZipFile(built_package.path) as archive:
        for name in ("boto3", "botocore"):
            source = archive.read(f"{name}/__init__.py").decode()
            found = re.search(r"__version__ = '([^']+)'", source)
            assert found and found.group(1) == pins[name], name
    assert built_package.size <= packager.ZIP_LIMIT == 25 * 2**20


def test_only_the_service_models_the_function_calls_are_bundled(
    built_package: packager.Package, repo_root: Path
) -> None:
    import re

    # every service the handler makes a client for (aws.client("x"), session.client("x"), ...)
    used = set()
    for source in (repo_root / "handler").rglob("*.py"):
        used |= set(re.findall(r'client\(\s*"([a-z0-9-]+)"', source.read_text()))
    used |= {"s3", "lambda"}  # pixelprompt.aws.s3() / lambda_client()
    assert used <= set(packager.BOTOCORE_SERVICES), used - set(packager.BOTOCORE_SERVICES)
    names = zipfile.ZipFile(built_package.path).namelist()
    models = {n.split("/")[2] for n in names if n.startswith("botocore/data/") and n.count("/") > 3}
    assert models == set(packager.BOTOCORE_SERVICES)


CONDITIONAL_WRITES = """
import sys
sys.path[:0] = [sys.argv[1]]
import boto3, botocore
from botocore.exceptions import ClientError
assert botocore.__file__.startswith(sys.argv[1]), botocore.__file__
s3 = boto3.client("s3", endpoint_url=sys.argv[2], region_name="us-east-1",
                  aws_access_key_id="t", aws_secret_access_key="t")
s3.create_bucket(Bucket="cond-writes")
first = s3.put_object(Bucket="cond-writes", Key="k", Body=b"1", IfNoneMatch="*")
try:
    s3.put_object(Bucket="cond-writes", Key="k", Body=b"2", IfNoneMatch="*")
    raise SystemExit("IfNoneMatch was not honoured")
except ClientError as exc:
    assert exc.response["Error"]["Code"] == "PreconditionFailed", exc.response
s3.put_object(Bucket="cond-writes", Key="k", Body=b"3", IfMatch=first["ETag"])
try:
    s3.put_object(Bucket="cond-writes", Key="k", Body=b"4", IfMatch=first["ETag"])
    raise SystemExit("IfMatch was not honoured")
except ClientError as exc:
    assert exc.response["Error"]["Code"] == "PreconditionFailed", exc.response
print(botocore.__version__, "conditional writes ok")
"""


def test_the_bundled_sdk_does_the_conditional_writes_the_records_rely_on(
    built_package: packager.Package, moto_endpoint: str, tmp_path: Path
) -> None:
    # GIVEN only the zip's pure-Python SDK (and its dependencies) ahead of everything else
    wanted = ("boto3/", "botocore/", "s3transfer/", "jmespath/", "dateutil/", "urllib3/", "six.py")
    with zipfile.ZipFile(built_package.path) as archive:
        for name in archive.namelist():
            if name.startswith(wanted):
                archive.extract(name, tmp_path)
    # WHEN it writes with IfNoneMatch / IfMatch THEN a second writer is refused, as S3 does
    proc = subprocess.run(
        [sys.executable, "-c", CONDITIONAL_WRITES, str(tmp_path), moto_endpoint],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONNOUSERSITE": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == [
        _pins(Path(__file__).resolve().parents[2])["botocore"],
        "conditional",
        "writes",
        "ok",
    ]


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
    entries = {n: p for n, p in packager._files(deps, bytecode=True) if packager._needed(n)}
    with zipfile.ZipFile(built_package.path) as built:
        own = {n: n for n in built.namelist() if n not in entries}
        contents = {n: built.read(n) for n in own}
    for name, data in contents.items():
        (tmp_path / "own" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "own" / name).write_bytes(data)
    entries.update({n: tmp_path / "own" / n for n in own})
    ziputil.write_zip(sorted(entries.items()), tmp_path / "full.zip")
    assert (tmp_path / "full.zip").read_bytes() == built_package.path.read_bytes()
