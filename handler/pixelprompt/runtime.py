"""What this execution environment runs: Python and the AWS SDK, for the cold-start log line.

The SDK is located the way `import boto3` will find it (importlib's finder walks the same
sys.path: the zip's /var/task before the runtime's own copy) and its version read from its
`__version__` line, without importing it: boto3 is most of a cold start, and
importlib.metadata alone would add tens of milliseconds.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys

SDK = ("boto3", "botocore")
TASK_ROOT = "/var/task"  # where Lambda unpacks the zip (LAMBDA_TASK_ROOT)
_VERSION = re.compile(r"""^__version__\s*=\s*['"]([^'"]+)['"]""", re.MULTILINE)


def _located(name: str) -> tuple[str, str] | None:
    """(version, file) of the package `import name` would load, or None when absent."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin:
        return None
    try:
        with open(spec.origin, encoding="utf-8") as source:
            found = _VERSION.search(source.read(4096))
    except OSError:
        return None
    return (found.group(1) if found else "unknown"), spec.origin


def describe() -> dict[str, str]:
    """e.g. {"python": "3.12.7", "boto3": "1.44.5", "botocore": "1.44.8", "sdkFrom": "zip"}."""
    info = {"python": sys.version.split()[0]}
    task_root = os.environ.get("LAMBDA_TASK_ROOT", TASK_ROOT)
    origins = set()
    for name in SDK:
        located = _located(name)
        if located is None:
            info[name] = "missing"
            continue
        info[name], path = located
        origins.add("zip" if path.startswith(task_root.rstrip("/") + "/") else "runtime")
    info["sdkFrom"] = "+".join(sorted(origins)) or "missing"
    return info
