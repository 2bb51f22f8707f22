#!/usr/bin/env python3
"""Deploy Pixel Prompt: `python deploy.py --help`. All the work is in deployer/."""

from deployer.cli import entry

if __name__ == "__main__":
    entry()
