"""The command line: parse, build the collaborators, hand off; the one error boundary."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from pixelprompt.contract import FUNCTION_NAME_SUFFIX, MAX_FUNCTION_NAME
from rich.console import Console

from . import preflight
from .aws import Target, make_factory
from .boundary import catch_exceptions
from .build import validate
from .errors import USAGE, DeployError
from .models import HANDLER_DIR
from .packager import build as build_package
from .pipeline import Deployer, DeployRequest, deploy_steps, plan_steps
from .ui import UI

DEFAULT_STACK = "pixel-prompt-complete"

EXAMPLES = """\
examples:
  python deploy.py --params parameters.json                 deploy or update (asks first)
  python deploy.py --params parameters.json --yes           no questions (CI)
  python deploy.py --params parameters.json --no-execute    show the change set only
  python deploy.py --params parameters.json --check         ask each provider about each
                                                            slot's key and model, change nothing
  python deploy.py --params parameters.example.json --local everything on this machine
  python deploy.py --params parameters.example.json --local --endpoint-url URL
                                                            redeploy into that running --local
  python deploy.py --package build/function.zip             build the Lambda zip only
  python deploy.py --delete --stack-name pixel-prompt-prod  remove a stack

exit codes: 0 success (including "no changes"), 1 the deploy failed,
            2 bad usage, bad parameters, no credentials or an endpoint that does not answer,
            130 interrupted (Ctrl-C); run the same command again to go on
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="deploy.py",
        description="Deploy Pixel Prompt into your AWS account (or a local AWS) from a "
        "parameters file: builds the Lambda zip, uploads it, creates a change set, shows it, "
        "executes it, follows the stack events and prints the outputs.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = p.add_argument_group("what to do (one of)")
    mode.add_argument(
        "--params",
        type=Path,
        metavar="FILE",
        help='parameters file: {"Parameters": {...}} or CloudFormation\'s '
        '[{"ParameterKey", "ParameterValue"}] list; see parameters.example.json',
    )
    mode.add_argument(
        "--package",
        type=file_to_write,
        metavar="FILE",
        help="only build the Lambda zip (deterministic, python3.12 manylinux x86_64) into FILE",
    )
    mode.add_argument(
        "--delete",
        action="store_true",
        help="delete the stack (asks first); the image bucket is kept by design",
    )
    where = p.add_argument_group("where")
    where.add_argument(
        "--stack-name",
        default=DEFAULT_STACK,
        type=stack_name,
        metavar="NAME",
        help=f"CloudFormation stack name (default {DEFAULT_STACK}); one per environment",
    )
    where.add_argument("--region", metavar="R", help="AWS region (default: your profile's)")
    where.add_argument("--profile", metavar="P", help="AWS named profile to use")
    where.add_argument(
        "--endpoint-url",
        type=endpoint_url,
        metavar="URL",
        help="send every AWS call to this AWS-compatible endpoint (AWS_ENDPOINT_URL too); "
        "with --local, the LocalAwsEndpoint of a running --local to redeploy into",
    )
    where.add_argument(
        "--artifacts-bucket",
        metavar="NAME",
        help="bucket for the zip and large templates "
        "(default pixel-prompt-artifacts-<account>-<region>, created if missing)",
    )
    how = p.add_argument_group("how")
    how.add_argument(
        "--yes",
        "-y",
        action="store_true",
        help="answer yes to every question (needed when input is not a terminal)",
    )
    how.add_argument(
        "--no-execute",
        action="store_true",
        help="create and show the change set, but do not execute it",
    )
    how.add_argument(
        "--force",
        action="store_true",
        help="make a change set even when the deployed template and parameters are identical",
    )
    how.add_argument(
        "--outputs-file",
        type=file_to_write,
        metavar="FILE",
        help="also write the stack outputs to FILE as a flat JSON object",
    )
    how.add_argument(
        "--local",
        action="store_true",
        help="start an embedded AWS on 127.0.0.1, deploy to it with the same steps, serve "
        "the API until Ctrl-C (needs no AWS account); with --endpoint-url, redeploy into "
        "the one a running --local started",
    )
    how.add_argument(
        "--local-port",
        type=port_number,
        default=0,
        metavar="N",
        help="port for the local API with --local (default 0: a free port)",
    )
    how.add_argument(
        "--check",
        action="store_true",
        help="only check: the parameters, then each slot's key and model with its provider "
        "(no zip, no AWS change); exit 2 if any slot would fail",
    )
    how.add_argument(
        "--skip-check",
        action="store_true",
        help="deploy without first asking the providers about each slot's key and model",
    )
    how.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    return p  # fmt: skip


def check_usage(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    modes = [bool(args.params), bool(args.package), args.delete]
    if sum(modes) != 1:
        p.error("give exactly one of --params FILE, --package FILE or --delete")
    if args.local and not args.params:
        p.error("--local needs --params FILE")
    if args.local and args.profile:
        p.error("--local needs no AWS account; drop --profile")
    if (args.check or args.skip_check) and not args.params:
        p.error("--check and --skip-check need --params FILE")
    if args.check and args.skip_check:
        p.error("give --check or --skip-check, not both")


# The function is named after the stack, and Lambda function names have a length limit.
MAX_STACK_NAME = MAX_FUNCTION_NAME - len(FUNCTION_NAME_SUFFIX)
_STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


def stack_name(text: str) -> str:
    """argparse type: a CloudFormation stack name short enough for the function's name."""
    if not _STACK_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a stack name: start with a letter, then letters, digits or '-'"
        )
    if len(text) > MAX_STACK_NAME:
        raise argparse.ArgumentTypeError(
            f"'{text}' has {len(text)} characters; at most {MAX_STACK_NAME} fit the function's "
            f"name (<stack>{FUNCTION_NAME_SUFFIX}, {MAX_FUNCTION_NAME} at most)"
        )
    return text


def endpoint_url(text: str) -> str:
    """argparse type: an http(s) URL with a host and, if any, a port boto3 can use."""
    try:
        parts = urlsplit(text)
        port = parts.port  # raises for a port outside 0-65535
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a usable URL: {exc}") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not an endpoint URL; give one like https://host or http://127.0.0.1:4566"
        )
    if port == 0:
        raise argparse.ArgumentTypeError(f"'{text}' names port 0, which nothing listens on")
    return text


def port_number(text: str) -> int:
    """argparse type: 0 (any free port) or a TCP port."""
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number (0-65535)")
    return int(text)


def file_to_write(text: str) -> Path:
    """argparse type: a file path that can be created, checked before anything is built."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"'{text}' is a directory; give a file name in it")
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise argparse.ArgumentTypeError(
                    f"'{text}' cannot be created: '{parent}' is a file, not a directory"
                )
            break
    return path


def main(
    argv: Sequence[str] | None = None,
    console: Console | None = None,
    *,
    run_local: LocalRunner | None = None,
) -> int:
    """Parse, check, run inside the error boundary. `run_local` is the --local composition,
    which deploy.py passes in (the product packages never import the local ones)."""
    p = parser()
    args = p.parse_args(argv)
    check_usage(p, args)
    stderr = Console(stderr=True, highlight=False, soft_wrap=True)
    command = catch_exceptions(run, debug=lambda: args.debug, stderr=lambda: stderr)
    return command(args, console or default_console(), run_local)


def default_console() -> Console:
    """Wide enough in logs (no terminal) that resource types are not cut off."""
    if sys.stdout.isatty():
        return Console(highlight=False)
    return Console(highlight=False, width=140)


LocalRunner = Callable[[argparse.Namespace, UI], int]


def run(args: argparse.Namespace, console: Console, run_local: LocalRunner | None = None) -> int:
    """The composition root of a deploy: build the steps' collaborators, run the steps."""
    if args.package:
        package = build_package(HANDLER_DIR, dest=args.package)
        console.print(f"{package.path}  sha256 {package.sha256}  {package.size:,} bytes")
        return 0
    ui = UI(console, assume_yes=args.yes or args.local)
    if args.local:
        if run_local is None:
            raise DeployError(
                "--local is not available: the local run (local/) is not installed here.",
                exit_code=USAGE,
            )
        return run_local(args, ui)
    target = Target(region=args.region, profile=args.profile, endpoint_url=args.endpoint_url)
    if args.check:
        return check_only(args, ui, target)
    deployer = Deployer(lambda: make_factory(target), ui)
    if args.delete:
        deployer.delete(args.stack_name)
        return 0
    deployer.run(deploy_steps() if not args.no_execute else plan_steps(), request_from(args))
    return 0


def check_only(args: argparse.Namespace, ui: UI, target: Target) -> int:
    """--check: the parameter check, then the preflight; no zip, no AWS change."""
    values = validate(args.params, ui).params
    ui.success(f"{args.params} passes the parameter check")
    try:
        factory = make_factory(target)
        session, region = factory.session, factory.region
    except DeployError as exc:  # no region: only Bedrock's rows cannot be verified
        ui.warn(f"Bedrock models cannot be checked: {exc.message}")
        session, region = None, None
    preflight.check(values, ui, preflight.aws_context(session, region))
    return 0


def request_from(args: argparse.Namespace) -> DeployRequest:
    return DeployRequest(
        stack_name=args.stack_name,
        execute=not args.no_execute,
        force=args.force,
        artifacts_bucket=args.artifacts_bucket,
        params_file=args.params,
        outputs_file=args.outputs_file,
        skip_check=args.skip_check,
    )
