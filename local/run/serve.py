"""`serve()`: what `deploy.py --local` runs after deploying the stack to the local AWS."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from .api_server import ApiApp
from .aws import LocalAwsClients, guess_region
from .cdn import CdnApp
from .cloudwatch import LogShipper
from .discovery import ApiSource, StackNotServable, discover
from .event_sources import EventSourcePoller
from .function_runner import FunctionRegistry
from .httpserve import BackgroundServer
from .invoker import DEFAULT_RETRY_DELAYS, Invoker
from .logs import LogSink

# Real providers take seconds; a short delay keeps the local run honest (pending -> completed
# is visible) without making a demo slow. Tests and /_control/latency can change it.
DEFAULT_SIMULATOR_LATENCY_S = 1.0


class LocalRun:
    """A running local stack. `stop()` is idempotent and ends every server and worker."""

    def __init__(self, sink: LogSink) -> None:
        self.outputs: dict[str, str] = {}
        self.hints: list[str] = []
        self._sink = sink
        self._stopped = threading.Event()
        self._stop_lock = threading.Lock()
        self._stop_steps: list[tuple[str, Any]] = []  # run in reverse order of start
        self.registry: FunctionRegistry | None = None
        self.invoker: Invoker | None = None

    def _on_stop(self, what: str, fn: Any) -> None:
        self._stop_steps.append((what, fn))

    def wait(self) -> None:
        """Block until stop(); wakes regularly so that signal handlers run promptly."""
        while not self._stopped.wait(0.5):
            pass

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def stop(self) -> None:
        with self._stop_lock:
            if self._stopped.is_set():
                return
            for what, fn in reversed(self._stop_steps):
                try:
                    fn()
                except Exception as exc:  # keep stopping the rest
                    self._sink.info("local", f"stopping {what} failed: {exc!r}")
            self._stop_steps.clear()
            self._stopped.set()
        self._sink.info("local", "stopped")


def _start_simulator(latency: float, port: int) -> tuple[Any, dict[str, str]] | None:
    try:
        from local.simulator import ProviderSimulator
    except ImportError:
        return None
    sim = ProviderSimulator(latency=latency, port=port)
    sim.start()
    return sim, dict(sim.env())


def _install_invoke_handler(run: LocalRun, handler: Any) -> None:
    try:
        from local import aws as localaws
    except ImportError:
        run._sink.info("local", "localaws is not importable: Lambda Invoke is not emulated")
        return
    from local.aws.invoke import get_invoke_handler

    previous = get_invoke_handler()  # a run of the same local AWS that is still serving
    localaws.set_invoke_handler(handler)

    def uninstall() -> None:
        if get_invoke_handler() == handler:
            localaws.set_invoke_handler(previous)

    run._on_stop("the Lambda Invoke hook", uninstall)


def serve(
    endpoint_url: str,
    stack_name: str,
    outputs: Mapping[str, Any],
    console: Any = None,
    local_port: int = 0,
    *,
    region: str | None = None,
    max_workers: int = 4,
    retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
    with_simulator: bool = True,
    simulator_latency: float = DEFAULT_SIMULATOR_LATENCY_S,
    ship_logs: bool = True,
    stage_throttling: bool = False,
) -> LocalRun:
    """Serve the deployed stack on 127.0.0.1: the HTTP API at `local_port` (0 = free ports), the
    CDN and the provider simulator at the next two ports, and Lambda Invoke on the local AWS.

    `stage_throttling` applies the stage's rate/burst limits (429 "Too Many Requests" before the
    function runs); off by default so that load tests reach the function's own rate limits.
    """
    sink = LogSink(console)
    aws = LocalAwsClients(endpoint_url, region or guess_region(outputs))
    stack = discover(aws, stack_name, outputs)
    if not stack.bucket:
        raise StackNotServable(f"stack {stack_name} has no bucket for the CDN to serve")
    run = LocalRun(sink)
    try:
        cdn = BackgroundServer(
            CdnApp(
                aws,
                stack.bucket,
                stack.default_root_object,
                compress=stack.compress,
                distribution_id=stack.distribution_id,
            ),
            sink,
            "cdn",
            port=local_port + 1 if local_port else 0,
        )
        cdn_url = cdn.start()
        run._on_stop("the CDN", cdn.stop)

        overrides = {"CLOUDFRONT_DOMAIN": cdn_url}
        simulator_url = ""
        if with_simulator:
            started = _start_simulator(simulator_latency, local_port + 2 if local_port else 0)
            if started is None:
                sink.info(
                    "local", "provider simulator unavailable: provider calls are not redirected"
                )
            else:
                sim, sim_env = started
                run._on_stop("the provider simulator", sim.stop)
                simulator_url = str(sim.url)
                # Only the local run points the function's providers at the simulator.
                overrides = {**sim_env, **overrides}

        shipper = None
        if ship_logs:  # the function's log group in the local AWS, as `aws logs tail` reads it
            shipper = LogShipper(aws, sink)
            run._on_stop("CloudWatch Logs shipping", shipper.stop)
        registry = FunctionRegistry(aws, overrides, sink, max_workers=max_workers, shipper=shipper)
        invoker = Invoker(
            aws, registry, sink, concurrency=max(1, max_workers - 1), retry_delays=retry_delays
        )
        run.registry, run.invoker = registry, invoker
        # Reverse order on stop: refuse new events, end the workers, then join the consumers.
        run._on_stop("the async consumers", invoker.join)
        run._on_stop("the function workers", registry.stop)
        run._on_stop("the async queue", lambda: invoker.stop(join=False))
        _install_invoke_handler(run, invoker.handle_invoke)
        # The DLQ's event source mapping (and any other SQS one): stopped before the workers.
        poller = EventSourcePoller(aws, registry, sink, stack.function_name).start()
        run._on_stop("the SQS event sources", poller.stop)

        # Load the code now, so that a broken artifact shows at start rather than on a request.
        registry.get(stack.function_name).deployment()

        app = ApiApp(
            ApiSource(aws, stack.api_id, sink),
            registry,
            sink,
            throttling=stage_throttling,
            shipper=shipper,
        )
        api = BackgroundServer(app, sink, "api", port=local_port)
        api_url = api.start()
        run._on_stop("the HTTP API", lambda: (api.stop(), app.close()))
    except BaseException:
        run.stop()
        raise

    run.outputs = {"LocalApiEndpoint": api_url, "LocalCloudFrontUrl": cdn_url}
    if simulator_url:
        run.outputs["LocalProviderSimulatorUrl"] = simulator_url
    run.hints = [
        "Try it:",
        f"  curl -s -X POST {api_url}/generate -H 'Content-Type: application/json' "
        '-d \'{"prompt": "a lighthouse at dusk, oil painting"}\'',
        f"  curl -s {api_url}/status/<jobId>",
        f"  open {cdn_url}/ for the web page; images are served from {cdn_url}/images/…",
        "Redeploy changed code into this running stack from another terminal with:",
        f"  python deploy.py --params <FILE> --local --endpoint-url {endpoint_url} "
        f"--stack-name {stack_name}",
        "Function logs stream below; Ctrl-C stops everything.",
    ]
    return run
