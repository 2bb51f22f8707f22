"""`--local`: the embedded AWS, the same deploy path against it, then serve until a signal.

The seam for the local serving (issue 5) is `localrun.serve(...)`; when that package is
absent the stack is still deployed and the endpoint kept up for `--endpoint-url` redeploys.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

from . import preflight
from .aws import Target, make_factory
from .build import prepare
from .errors import FAILED, USAGE, DeployError
from .pipeline import Deployer
from .ui import UI

_FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def run_local(args: argparse.Namespace, ui: UI) -> int:
    from .cli import request_from, show_outputs

    prepared = prepare(args.params, ui)  # every parameter problem before anything starts
    region = args.region or "us-east-1"
    if not args.skip_check:  # the function will talk to the simulator: ask it first
        preflight.before_change(prepared.params, ui, simulated=True, region=region)
    _use_fake_credentials(region)
    local_aws = _local_aws_class()(port=0)
    handle: Any = None
    try:
        endpoint = local_aws.start()
        ui.step(f"Local AWS listening on {endpoint}")
        factory = make_factory(Target(region=region, endpoint_url=endpoint, fake_credentials=True))
        deployer = Deployer(factory, ui)
        result = deployer.deploy(prepared, request_from(args))
        values = {**result.outputs, "LocalAwsEndpoint": endpoint}
        descriptions = {**result.descriptions, **LOCAL_DESCRIPTIONS}
        handle = _serve(endpoint, args.stack_name, values, ui, args.local_port)
        if handle is not None:
            values.update(handle.outputs)
            deployer.publish_site(values)  # the page's config.json names the local API
        show_outputs(ui, values, descriptions, args.outputs_file, args.stack_name)
        for line in getattr(handle, "hints", None) or _default_hints(endpoint, args):
            ui.say(line)
        if handle is None:
            ui.say("Running until Ctrl-C.")
        wait_for_signal()
    finally:
        with _signals_held():  # a second Ctrl-C must not cut the shutdown short
            if handle is not None:
                handle.stop()
            local_aws.stop()
    ui.say("Stopped the local stack.")
    return 0


LOCAL_DESCRIPTIONS = {
    "LocalAwsEndpoint": "The embedded AWS endpoint; redeploy with --endpoint-url",
    "LocalApiEndpoint": "The deployed HTTP API, served on this machine",
    "LocalCloudFrontUrl": "The distribution's bucket (web page and images), served here",
    "LocalProviderSimulatorUrl": "The provider simulator; /_control/faults makes it misbehave",
}


def _use_fake_credentials(region: str) -> None:
    """This process (and what it starts) talks only to the local AWS: fake keys, no profile."""
    os.environ.update(_FAKE_ENV)
    os.environ["AWS_DEFAULT_REGION"] = region
    os.environ["AWS_REGION"] = region
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_ENDPOINT_URL", None)


def _local_aws_class() -> Callable[..., Any]:
    try:
        return importlib.import_module("local.aws").LocalAws
    except (ImportError, AttributeError) as exc:
        raise DeployError(
            f"--local needs the embedded AWS (the local.aws package): {exc}.",
            fix="Install requirements.txt (moto[server]) and run from the project's folder.",
            exit_code=USAGE,
        ) from exc


def _serve(endpoint: str, stack: str, values: dict[str, str], ui: UI, port: int) -> Any:
    """Start `localrun.serve` when the local serving is installed; None otherwise."""
    try:
        localrun = importlib.import_module("local.run")
    except ImportError:
        ui.warn("The local API is not served (localrun is not available); the stack is deployed.")
        return None
    try:
        return localrun.serve(endpoint, stack, dict(values), ui.console, local_port=port)
    except localrun.LocalRunError as exc:  # a taken port, a stack it cannot serve
        raise DeployError(
            f"The stack is deployed but cannot be served: {exc}",
            fix="Pick other ports with --local-port N (it uses N, N+1 and N+2), or 0 for any.",
            exit_code=USAGE if isinstance(exc, localrun.PortInUse) else FAILED,
        ) from exc


def _default_hints(endpoint: str, args: argparse.Namespace) -> list[str]:
    return [
        "Redeploy changed code into this local stack from another terminal with:",
        f"  python deploy.py --params {args.params} --endpoint-url {endpoint} "
        f"--stack-name {args.stack_name} --yes",
    ]


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ignore SIGINT/SIGTERM while stopping, then restore the previous handlers."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def wait_for_signal(stop: threading.Event | None = None) -> None:
    """Block until SIGINT or SIGTERM (or `stop` is set); restore the old handlers after."""
    stop = stop or threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
