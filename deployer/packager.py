"""The Lambda zip: handler/ plus its dependencies built for python3.12 on manylinux x86_64.

Local only: no AWS calls. The zip is deterministic (sorted entries, 1980-01-01 timestamps,
fixed modes), so the same sources give the same sha256 whatever their mtimes. Dependencies
are installed once per requirements hash into a cache directory; reruns are offline.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import ziputil
from .errors import DeployError

PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_28_x86_64")  # Lambda python3.12: glibc 2.34
PYTHON_VERSION = "3.12"
UNZIPPED_LIMIT = 250 * 1024 * 1024  # Lambda's limit for a function's unzipped code
ZIP_LIMIT = 25 * 1024 * 1024  # our own budget for the zipped function (Lambda's is 50 MB)
# Useless inside the zip. boto3/botocore are NOT excluded: the function runs the pinned SDK
# it was tested with (handler/requirements.txt), not whatever the runtime carries.
_EXCLUDED_TOP = {"bin", "__pycache__"}
# botocore ships the models of every AWS service (14 MB gzipped); the function makes clients
# for these only. Keep in step with the handler: a test scans it for the clients it creates.
# "bedrock" (control plane): the deploy-time preflight in providers/probes.py lives in the
# handler package, so its service model ships too.
BOTOCORE_SERVICES = ("bedrock", "bedrock-runtime", "lambda", "s3", "secretsmanager", "sts")
_EXCLUDED_SUFFIXES = (".pyc", ".pyo")


@dataclass(frozen=True)
class Package:
    path: Path
    sha256: str
    size: int
    entries: int


def cache_root() -> Path:
    base = os.environ.get("PIXEL_PROMPT_CACHE") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / "pixel-prompt" if not os.environ.get("PIXEL_PROMPT_CACHE") else root


def pip_command(requirements: Path, target: Path) -> list[str]:
    platforms = [arg for p in PLATFORMS for arg in ("--platform", p)]
    return [
        sys.executable, "-m", "pip", "install", *platforms,
        "--implementation", "cp", "--python-version", PYTHON_VERSION,
        "--only-binary=:all:", "--no-compile", "--no-warn-conflicts",
        "--disable-pip-version-check", "--quiet",
        "--target", str(target), "-r", str(requirements),
    ]  # fmt: skip


TASK_ROOT = "/var/task"  # where Lambda unpacks the zip: the source path bytecode names


@functools.cache
def python312() -> str | None:
    """A CPython 3.12 to precompile the dependencies with ($PIXEL_PROMPT_PYTHON312, or
    python3.12 on PATH), checked by running it; None when this machine has none."""
    for candidate in (os.environ.get("PIXEL_PROMPT_PYTHON312"), shutil.which("python3.12")):
        if not candidate:
            continue
        probe = [
            candidate,
            "-c",
            "import sys; print(sys.implementation.name, *sys.version_info[:2])",
        ]
        try:
            out = subprocess.run(probe, capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.split() == ["cpython", "3", "12"]:
            return candidate
    return None


def compile_command(interpreter: str, site: Path) -> list[str]:
    """Bytecode for python3.12, as Lambda would never write it itself (/var/task is read-only,
    so without it every cold start compiles boto3/botocore from source). unchecked-hash: no
    mtimes inside, so the bytes depend only on the sources; -s/-p: files named under
    /var/task, not this machine's temporary directory."""
    return [
        interpreter, "-m", "compileall", "-q", "-j", "0",
        "--invalidation-mode", "unchecked-hash", "-s", str(site), "-p", TASK_ROOT, str(site),
    ]  # fmt: skip


def dependencies(requirements: Path, cache: Path) -> tuple[Path, str]:
    """The installed dependency tree for `requirements` and its key, built once per hash."""
    compiler = python312()
    inputs = repr((*PLATFORMS, PYTHON_VERSION, *BOTOCORE_SERVICES, bool(compiler))).encode()
    key = _sha256(requirements.read_bytes() + inputs)[:24]
    done = cache / "deps" / key
    if (done / ".complete").exists():
        return done, key
    done.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=done.parent) as tmp:
        staging = Path(tmp) / "site"
        result = subprocess.run(
            pip_command(requirements, staging), capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise DeployError(
                f"pip could not install {requirements} for python{PYTHON_VERSION} on Linux "
                f"x86_64:\n{result.stderr.strip()[-1500:]}",
                fix="Check network access to PyPI and that every pin has a manylinux wheel "
                "for CPython 3.12.",
            )
        if compiler is not None:
            # Best effort: a failed compile only costs the cold start what it cost before.
            subprocess.run(compile_command(compiler, staging), capture_output=True, check=False)
        (staging / ".complete").write_text(key)
        if done.exists() and not (done / ".complete").exists():
            shutil.rmtree(done, ignore_errors=True)  # left by an interrupted install
        try:
            staging.rename(done)
        except OSError:  # another deploy finished the same install first: use theirs
            if not (done / ".complete").exists():
                raise
    return done, key


def build(
    handler_dir: Path, dest: Path | None = None, cache: Path | None = None, reuse: bool = True
) -> Package:
    """The zip of handler/ and its dependencies; reused when no input changed."""
    cache = cache or cache_root()
    deps, deps_key = dependencies(handler_dir / "requirements.txt", cache)
    own = dict(_files(handler_dir))
    zip_path = cache / "zips" / f"{_inputs_digest(deps_key, own)}.zip"
    sidecar = zip_path.with_suffix(".sha256")
    if reuse and zip_path.exists() and sidecar.exists():
        package = Package(zip_path, sidecar.read_text().strip(), zip_path.stat().st_size, -1)
    else:
        package = _write(_deps_archive(deps, deps_key), own, zip_path)
        # Whole or absent: a concurrent build (another deploy, a parallel test) may read it.
        partial = sidecar.with_name(f"{sidecar.name}.{os.getpid()}.partial")
        partial.write_text(package.sha256)
        partial.replace(sidecar)
    if dest is not None and dest.resolve() != zip_path.resolve():
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(zip_path, dest)
        package = Package(dest, package.sha256, package.size, package.entries)
    return package


def _write(deps_zip: Path, own: dict[str, Path], dest: Path) -> Package:
    """Merge the handler's files (compressed now) with the dependencies (copied compressed)."""
    with zipfile.ZipFile(deps_zip) as source:
        deps = {i.filename: i for i in source.infolist() if i.filename not in own}
        size = sum(i.file_size for i in deps.values()) + sum(p.stat().st_size for p in own.values())
        if size > UNZIPPED_LIMIT:
            raise DeployError(
                f"The function code is {size / 2**20:.0f} MB unzipped; Lambda allows 250 MB.",
                fix="Remove large dependencies from handler/requirements.txt.",
            )
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_suffix(f".{os.getpid()}.partial")
        names = sorted({*deps, *own})
        with zipfile.ZipFile(partial, "w") as archive:
            for name in names:  # the handler's own files win on a name clash
                if name in own:
                    ziputil.add_file(archive, name, own[name].read_bytes())
                else:
                    ziputil.copy_entry(source, deps[name], archive)
    zipped = partial.stat().st_size
    if zipped > ZIP_LIMIT:
        partial.unlink()
        raise DeployError(
            f"The function zip is {zipped / 2**20:.1f} MB; this project keeps it under "
            f"{ZIP_LIMIT // 2**20} MB.",
            fix="Remove large dependencies from handler/requirements.txt.",
        )
    partial.replace(dest)
    return Package(dest, _sha256_file(dest), dest.stat().st_size, len(names))


def _deps_archive(deps: Path, key: str) -> Path:
    """The dependencies compressed once per requirements hash."""
    archive = deps.with_name(f"{key}.zip")
    if not archive.exists():
        partial = archive.with_suffix(f".{os.getpid()}.partial")
        wanted = (f for f in _files(deps, bytecode=True) if _needed(f[0]))
        ziputil.write_zip(sorted(wanted), partial)
        partial.replace(archive)
    return archive


def _inputs_digest(deps_key: str, own: dict[str, Path]) -> str:
    """Content (never mtimes) of everything that goes into the zip."""
    digest = hashlib.sha256(deps_key.encode())
    for name, path in sorted(own.items()):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def _files(root: Path, bytecode: bool = False) -> Iterator[tuple[str, Path]]:
    """Files to zip; `bytecode` keeps python3.12's own .pyc files (precompiled dependencies)."""
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if path.is_dir() or (_excluded(rel) and not (bytecode and _runtime_bytecode(rel))):
            continue
        yield rel.as_posix(), path


def _runtime_bytecode(rel: Path) -> bool:
    parts = rel.parts
    return (
        len(parts) >= 2
        and parts[-2] == "__pycache__"
        and rel.name.endswith(f".cpython-{PYTHON_VERSION.replace('.', '')}.pyc")
        and parts[0] not in _EXCLUDED_TOP
        and not any(p.startswith(".") for p in parts)
    )


def _needed(name: str) -> bool:
    """False for the model of an AWS service the function never calls."""
    parts = name.split("/")
    if parts[:2] == ["botocore", "data"] and len(parts) > 3:
        return parts[2] in BOTOCORE_SERVICES
    return True


def _excluded(rel: Path) -> bool:
    parts = rel.parts
    return (
        parts[0] in _EXCLUDED_TOP
        or "__pycache__" in parts
        or any(p.startswith(".") for p in parts)
        or rel.name.endswith(_EXCLUDED_SUFFIXES)
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
