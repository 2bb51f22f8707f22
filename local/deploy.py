"""`deploy.py --local`: the product's deploy steps composed with the local ones.

Two compositions of `deployer.pipeline`'s steps:

- start: validate and package, start the embedded AWS, deploy into it, serve the stack's API,
  function and CDN on 127.0.0.1 (`local.run.serve`), publish the page naming the served API,
  report, then wait for Ctrl-C and stop everything;
- attach (`--local --endpoint-url URL`): redeploy into a local AWS that a running `--local`
  started, keeping the API address its page is served with.

Everything only the local run needs lives here: fake credentials (the local AWS accepts any),
a default region, and which API address the page gets. deploy.py passes `run_local` to the
CLI, so the product packages never import this one.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from deployer import preflight
from deployer.aws import Target, make_factory
from deployer.build import validate
from deployer.cli import request_from
from deployer.errors import FAILED, USAGE, DeployError
from deployer.pipeline import (
    AWS_STEPS,
    BUILD_STEPS,
    FINISH_STEPS,
    DeployContext,
    Deployer,
    Step,
    StepResult,
    publish_site,
    replace,
    validating,
)
from deployer.site import CONFIG_KEY
from deployer.ui import UI

REGION = "us-east-1"
# The local AWS accepts any keys; these keep boto3 from looking for real ones.
FAKE_KEYS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}
LOCAL_DESCRIPTIONS = {
    "LocalAwsEndpoint": "The embedded AWS endpoint; redeploy with --local --endpoint-url",
    "LocalApiEndpoint": "The deployed HTTP API, served on this machine",
    "LocalCloudFrontUrl": "The distribution's bucket (web page and images), served here",
    "LocalProviderSimulatorUrl": "The provider simulator; /_control/faults makes it misbehave",
}


def redeploy_command(params: object, endpoint: str, stack_name: str) -> str:
    """The command that redeploys into a running local stack (needs no AWS configuration)."""
    return (
        f"python deploy.py --params {params} --local --endpoint-url {endpoint} "
        f"--stack-name {stack_name}"
    )


def run_local(args: argparse.Namespace, ui: UI) -> int:
    """The --local composition root: check, attach to a running local AWS, or start one."""
    region = args.region or REGION
    if args.check:  # the parameters, then the simulator's answers; nothing starts
        values = validate(args.params, ui).params
        ui.success(f"{args.params} passes the parameter check")
        with simulator_context(region) as context:
            preflight.check(values, ui, context)
        return 0
    _use_fake_credentials(region)
    if args.endpoint_url:
        return _attach(args, ui, region)
    return _start(args, ui, region)


@contextlib.contextmanager
def simulator_context(region: str) -> Iterator[Any]:
    """The preflight's calls go to a provider simulator (what a --local stack's function
    talks to), with fake AWS credentials for Bedrock's."""
    import boto3

    from local.simulator import ProviderSimulator

    probes = preflight.handler_module("pixelprompt.providers.probes")
    with ProviderSimulator() as sim:
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
        )
        yield probes.Context(env=sim.env(), aws_session=session, region=region)


def _simulated_preflight(region: str) -> Step:
    def step(ctx: DeployContext) -> StepResult:
        if ctx.request.skip_check:
            return ctx
        values = ctx.need(ctx.validated, "the validated parameters").params
        with simulator_context(region) as context:
            preflight.check(values, ctx.ui, context)
        return ctx

    return Step("preflight", step)


# The simulator takes any non-empty key but "invalid", the example's placeholders included.
LOCAL_PLACEHOLDER_NOTE = (
    "the local simulator accepts them, real providers will not: put real keys there before "
    "deploying to AWS."
)


def _local_build_steps(region: str) -> list[Step]:
    """validate and package as for AWS; the preflight asks the simulator the stack will use."""
    steps = replace(BUILD_STEPS, "validate", validating(LOCAL_PLACEHOLDER_NOTE))
    return replace(steps, "preflight", _simulated_preflight(region))


def _deployer(endpoint: str, region: str, ui: UI) -> Deployer:
    target = Target(region=region, endpoint_url=endpoint, access_keys=FAKE_KEYS)
    return Deployer(lambda: make_factory(target), ui)


def _attach(args: argparse.Namespace, ui: UI, region: str) -> int:
    """Redeploy into a running local stack; its page keeps naming the API served now."""
    steps = replace(
        [*_local_build_steps(region), *AWS_STEPS, *FINISH_STEPS],
        "publish site",
        Step("publish site", _publish_keeping_served_api, executes=True, finishing=True),
    )
    _deployer(args.endpoint_url, region, ui).run(steps, request_from(args))
    return 0


@dataclass
class _LocalRun:
    """What the start composition's own steps start, stopped in `stop` whatever happened."""

    args: argparse.Namespace
    region: str
    aws: Any = None
    endpoint: str = ""
    handle: Any = None
    stops: list[Callable[[], None]] = field(default_factory=list)

    def check_ports(self, ctx: DeployContext) -> StepResult:
        if self.args.local_port:
            ports_free(self.args.local_port)
        return ctx

    def start_aws(self, ctx: DeployContext) -> StepResult:
        self.aws = _local_aws_class()(port=0)
        self.stops.append(self.aws.stop)
        self.endpoint = self.aws.start()
        ctx.ui.step(f"Local AWS listening on {self.endpoint}")
        target = Target(region=self.region, endpoint_url=self.endpoint, access_keys=FAKE_KEYS)
        ctx.services.connect = lambda: make_factory(target)
        ctx.outputs["LocalAwsEndpoint"] = self.endpoint
        ctx.descriptions.update(LOCAL_DESCRIPTIONS)
        return ctx

    def serve(self, ctx: DeployContext) -> StepResult:
        self.handle = _serve(self.endpoint, self.args.stack_name, ctx.outputs, ctx.ui,
                             self.args.local_port)  # fmt: skip
        if self.handle is not None:
            self.stops.insert(0, self.handle.stop)
            ctx.outputs.update(self.handle.outputs)
        return ctx

    def publish(self, ctx: DeployContext) -> StepResult:
        """The page's config.json names the API served here, not the stack's own address."""
        served = ctx.outputs.get("LocalApiEndpoint") or ctx.outputs.get("ApiEndpoint", "")
        publish_site(ctx, served)
        return ctx

    def hints(self, ctx: DeployContext) -> StepResult:
        lines = getattr(self.handle, "hints", None) or [
            "Redeploy changed code into this local stack from another terminal with:",
            "  " + redeploy_command(self.args.params, self.endpoint, self.args.stack_name),
        ]
        for line in lines:
            ctx.ui.say(line)
        if self.handle is None:
            ctx.ui.say("Running until Ctrl-C.")
        return ctx

    def wait(self, ctx: DeployContext) -> StepResult:
        wait_for_signal()
        return ctx

    def stop(self) -> None:
        with _signals_held():  # a second Ctrl-C must not cut the shutdown short
            for stop in self.stops:
                stop()

    def steps(self) -> list[Step]:
        """Every parameter problem before anything starts; then the local AWS, the deploy,
        the serving, the page, the report, and the wait."""
        finish = replace(
            FINISH_STEPS,
            "publish site",
            Step("serve", self.serve, finishing=True),
            Step("publish site", self.publish, executes=True, finishing=True),
        )
        return [
            Step("check local ports", self.check_ports),
            *_local_build_steps(self.region),
            Step("start local AWS", self.start_aws),
            *AWS_STEPS,
            *finish,
            Step("hints", self.hints, finishing=True),
            Step("wait for Ctrl-C", self.wait, finishing=True),
        ]


def _start(args: argparse.Namespace, ui: UI, region: str) -> int:
    run = _LocalRun(args, region)

    def not_started() -> Any:  # replaced by the "start local AWS" step
        raise DeployError("The local AWS is not started yet.")

    deployer = Deployer(not_started, ui)
    try:
        deployer.run(run.steps(), request_from(args))
    finally:
        run.stop()
    ui.say("Stopped the local stack.")
    return 0


def _publish_keeping_served_api(ctx: DeployContext) -> StepResult:
    bucket = ctx.outputs.get("S3BucketName")
    served = served_api_endpoint(ctx.services.factory.client("s3"), bucket) if bucket else None
    publish_site(ctx, served or ctx.outputs.get("ApiEndpoint", ""))
    return ctx


def served_api_endpoint(s3_client: Any, bucket: str) -> str | None:
    """The API address the published page names now, if any: a running --local serves the
    stack's API on this machine, not at the stack's own ApiEndpoint."""
    try:
        raw = s3_client.get_object(Bucket=bucket, Key=CONFIG_KEY)["Body"].read()
        endpoint = json.loads(raw).get("apiEndpoint")
    except ClientError:
        return None
    except (ValueError, AttributeError):
        return None  # not our JSON: it will be replaced
    return endpoint if isinstance(endpoint, str) and endpoint else None


def _use_fake_credentials(region: str) -> None:
    """This process (and the function workers it starts) talks only to the local AWS."""
    os.environ.update({key.upper(): value for key, value in FAKE_KEYS.items()})
    os.environ["AWS_DEFAULT_REGION"] = region
    os.environ["AWS_REGION"] = region
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"  # no wait for an EC2 role
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


PORTS_FIX = "Pick other ports with --local-port N (it uses N, N+1 and N+2), or 0 for any."


def ports_free(first: int) -> None:
    """--local-port N serves on N, N+1 and N+2: a taken one is said before anything is built
    or deployed, not after a whole deploy. (Serving still reports one taken in between.)"""
    for port in (first, first + 1, first + 2):
        if port > 65535:
            raise DeployError(
                f"--local-port {first} needs ports up to {first + 2}; the last is 65535.",
                fix=PORTS_FIX,
                exit_code=USAGE,
            )
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
            try:
                probe.bind(("127.0.0.1", port))
            except OSError as exc:
                raise DeployError(
                    f"Port {port} on 127.0.0.1 is taken ({exc.strerror}), so the local stack "
                    "cannot be served; nothing was deployed.",
                    fix=PORTS_FIX,
                    exit_code=USAGE,
                ) from exc


def _serve(endpoint: str, stack: str, values: dict[str, str], ui: UI, port: int) -> Any:
    """Start `local.run.serve` when the local serving is installed; None otherwise."""
    try:
        localrun = importlib.import_module("local.run")
    except ImportError:
        ui.warn("The local API is not served (local.run is not available); the stack is deployed.")
        return None
    try:
        return localrun.serve(endpoint, stack, dict(values), ui.console, local_port=port)
    except localrun.LocalRunError as exc:  # a taken port, a stack it cannot serve
        raise DeployError(
            f"The stack is deployed but cannot be served: {exc}",
            fix=PORTS_FIX,
            exit_code=USAGE if isinstance(exc, localrun.PortInUse) else FAILED,
        ) from exc


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
