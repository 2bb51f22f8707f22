#!/usr/bin/env python3
"""Deploy Pixel Prompt: `python deploy.py --help`. All the work is in deployer/."""

import sys

INTERRUPTED = 130

if __name__ == "__main__":
    try:  # a Ctrl-C while boto3 and rich are still importing is a sentence, not a traceback
        from deployer.cli import main

        code = main()
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted before anything started; nothing was changed.\n")
        code = INTERRUPTED
    sys.exit(code)
