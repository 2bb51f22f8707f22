"""The CLI's one error boundary (Sceptre's `catch_exceptions`): every failure is a sentence.

Whatever escapes a command (our DeployError, botocore, the OS, Ctrl-C) becomes a message and
an exit code: 2 bad usage or input, 1 a failed deploy, 130 interrupted. `--debug` adds the
traceback, so it is there when someone asks for it.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError
from rich.console import Console
from rich.markup import escape

from .aws import credential_error
from .errors import FAILED, USAGE, DeployError

INTERRUPTED = 130

# What a Ctrl-C leaves behind, said once: every step of a deploy can be run again.
INTERRUPTED_NOTE = (
    "Interrupted. Nothing is left half-done on this machine. A stack operation that had "
    "already started goes on in CloudFormation: run the same command again and it waits for "
    "that operation (or offers to replace a stack whose first create never finished) before "
    "deploying."
)


def as_deploy_error(exc: BaseException) -> DeployError | None:
    """The sentence for a failure we understand; None for a bug."""
    if isinstance(exc, DeployError):
        return exc
    if isinstance(exc, ConnectTimeoutError | ReadTimeoutError):
        where = getattr(exc, "kwargs", {}).get("endpoint_url", "the AWS endpoint")
        return DeployError(
            f"{where} did not answer in time ({exc}).",
            fix="Check that the endpoint is up and reachable (and --endpoint-url, if given).",
            exit_code=USAGE,
        )
    if isinstance(exc, ResponseParserError):
        return DeployError(
            "The endpoint answered with something that is not an AWS API response.",
            fix="Check --endpoint-url (or AWS_ENDPOINT_URL): it must be an AWS-compatible API.",
            exit_code=USAGE,
        )
    if isinstance(exc, BotoCoreError | ClientError):
        return credential_error(exc) or DeployError(f"AWS refused a request: {exc}")
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return DeployError(f"A file could not be read or written{where}: {exc.strerror or exc}.")
    return None


def catch_exceptions(
    command: Callable[..., int], *, debug: Callable[[], bool], stderr: Callable[[], Console]
) -> Callable[..., int]:
    """Wrap a command so that it returns an exit code instead of raising."""

    @functools.wraps(command)
    def guarded(*args: Any, **kwargs: Any) -> int:
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            if debug():
                traceback.print_exc()
            stderr().print(f"[yellow]{escape(INTERRUPTED_NOTE)}[/]")
            return INTERRUPTED
        except Exception as exc:
            if debug():
                traceback.print_exc()
            error = as_deploy_error(exc) or DeployError(
                f"Unexpected {type(exc).__name__}: {exc}",
                fix="Run again with --debug for the traceback, and report it.",
                exit_code=FAILED,
            )
            stderr().print(f"[red]Error:[/] {escape(error.render())}")
            return error.exit_code

    return guarded
