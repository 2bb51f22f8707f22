#!/usr/bin/env python3
"""Deploy Pixel Prompt: `python deploy.py --help`. All the work is in deployer/.

This script is where the product (deployer/) meets the local run (local/): it hands `--local`
to local.deploy, so that neither package imports the other's entry point.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from deployer.ui import UI

INTERRUPTED = 130


def run_local(args: argparse.Namespace, ui: UI) -> int:
    try:
        from local.deploy import run_local as local_run
    except ImportError as exc:
        from deployer.errors import USAGE, DeployError

        raise DeployError(
            f"--local needs the local run (the local/ folder): {exc}.",
            fix="Run deploy.py from the project's folder, with requirements.txt installed.",
            exit_code=USAGE,
        ) from exc
    return local_run(args, ui)


if __name__ == "__main__":
    try:  # a Ctrl-C while boto3 and rich are still importing is a sentence, not a traceback
        from deployer.cli import main

        code = main(run_local=run_local)
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted before anything started; nothing was changed.\n")
        code = INTERRUPTED
    sys.exit(code)
