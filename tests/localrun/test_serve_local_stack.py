"""serve() on the real thing: the project's template and handler deployed to the local AWS by
the deployer (in process), then everything over HTTP against what serve() started."""

from __future__ import annotations

import io
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image
from rich.console import Console

from deployer.aws import Target, make_factory
from deployer.build import prepare
from deployer.pipeline import Deployer, DeployRequest
from deployer.ui import UI
from local.aws import LocalAws
from local.deploy import FAKE_KEYS
from local.run import LocalRun, serve

ROOT = Path(__file__).resolve().parents[2]
STACK = "localrun-it"
TERMINAL = {"completed", "partial", "failed"}


class Captured:
    """A console that keeps what serve() prints."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def print(self, text: str, **_: Any) -> None:
        self.lines.append(text)


@dataclass
class Stack:
    run: LocalRun
    outputs: dict[str, str]
    handler_dir: Path
    deploy: Callable[[], Any]
    console: Captured
    aws_endpoint: str

    @property
    def api(self) -> str:
        return self.run.outputs["LocalApiEndpoint"]

    def wait_terminal(self, job_id: str, within_s: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + within_s
        record: dict[str, Any] = {}
        while time.monotonic() < deadline:
            resp = requests.get(f"{self.api}/status/{job_id}", timeout=30)
            assert resp.status_code == 200, resp.text
            record = resp.json()
            if record["status"] in TERMINAL:
                return record
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} not terminal: {record}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    work = tmp_path_factory.mktemp("localrun-it")
    handler_dir = work / "handler"
    shutil.copytree(ROOT / "handler", handler_dir, ignore=shutil.ignore_patterns("__pycache__"))
    params = json.loads((ROOT / "parameters.example.json").read_text())
    values = params["Parameters"]
    values["ModelCount"] = 3  # three providers are enough to show the path
    for n in range(4, 21):
        values.pop(f"Model{n}Name", None)
        values.pop(f"Model{n}Key", None)
    params_file = work / "params.json"
    params_file.write_text(json.dumps(params))

    local = LocalAws(port=0)
    endpoint = local.start()
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    ui = UI(Console(file=io.StringIO(), width=200), assume_yes=True)
    factory = make_factory(Target(region="us-east-1", endpoint_url=endpoint, access_keys=FAKE_KEYS))

    def deploy() -> Any:
        prepared = prepare(params_file, ui, handler_dir=handler_dir)
        return Deployer(factory, ui).deploy(prepared, DeployRequest(stack_name=STACK))

    run: LocalRun | None = None
    try:
        result = deploy()
        console = Captured()
        run = serve(
            endpoint,
            STACK,
            result.outputs,
            console,
            retry_delays=(0.1, 0.2),
            simulator_latency=0.05,
        )
        yield Stack(run, result.outputs, handler_dir, deploy, console, endpoint)
    finally:
        if run is not None:
            run.stop()
        local.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_outputs_and_hints(stack: Stack) -> None:
    outputs = stack.run.outputs
    for key in ("LocalApiEndpoint", "LocalCloudFrontUrl", "LocalProviderSimulatorUrl"):
        assert outputs[key].startswith("http://127.0.0.1:"), outputs
    hints = "\n".join(stack.run.hints)
    assert f"curl -s -X POST {outputs['LocalApiEndpoint']}/generate" in hints
    assert f"{outputs['LocalApiEndpoint']}/status/<jobId>" in hints


def test_generate_to_completed_with_images_on_the_cdn(stack: Stack) -> None:
    resp = requests.post(
        f"{stack.api}/generate",
        json={"prompt": "a lighthouse at dusk, oil painting"},
        headers={"X-Correlation-ID": "it-corr-1"},
        timeout=30,
    )
    assert resp.status_code in (200, 202), resp.text
    job = resp.json()
    assert job["status"] == "pending"
    record = stack.wait_terminal(job["jobId"])
    assert record["status"] == "completed", record
    assert record["completedModels"] == record["totalModels"] == 3
    cdn = stack.run.outputs["LocalCloudFrontUrl"]
    for result in record["results"]:
        assert result["imageUrl"].startswith(cdn + "/"), result
        image = requests.get(result["imageUrl"], timeout=30)
        assert image.status_code == 200
        assert image.headers["Content-Type"].startswith("image/")
        Image.open(io.BytesIO(image.content)).verify()  # a real, decodable image
    # The function's structured logs reached the console in readable form.
    text = "\n".join(stack.console.lines)
    assert "[fn]" in text and "corr=it-corr-1" in text
    assert "[api] " in text and "POST /generate 202" in text


def test_function_logs_land_in_its_log_group(stack: Stack) -> None:
    import boto3

    # GIVEN a job of this test's own, run to the end
    job = requests.post(f"{stack.api}/generate", json={"prompt": "a log"}, timeout=30).json()
    stack.wait_terminal(job["jobId"])

    logs = boto3.client(
        "logs",
        endpoint_url=stack.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    group = f"/aws/lambda/{stack.outputs['FunctionName']}"
    deadline = time.monotonic() + 10
    messages: list[str] = []
    while time.monotonic() < deadline:  # shipping is batched every half second
        events = logs.filter_log_events(logGroupName=group).get("events", [])
        messages = [e["message"] for e in events]
        if any("job finished" in m for m in messages):
            break
        time.sleep(0.25)
    assert any(m.startswith("START RequestId: ") for m in messages)
    assert any("job finished" in m for m in messages), messages[-20:]
    assert any(m.startswith("REPORT RequestId: ") for m in messages)
    # And the stage's access log, in the format the template deploys.
    api_id = stack.outputs["ApiEndpoint"].split("//", 1)[1].split(".", 1)[0]
    stage = boto3.client(
        "apigatewayv2",
        endpoint_url=stack.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).get_stages(ApiId=api_id)["Items"][0]
    group = stage["AccessLogSettings"]["DestinationArn"].split(":log-group:", 1)[1]
    access = [
        json.loads(e["message"]) for e in logs.filter_log_events(logGroupName=group)["events"]
    ]
    generate = next(a for a in access if a["routeKey"] == "POST /generate")
    assert generate["status"] == "202" and generate["sourceIp"] == "127.0.0.1", generate


def test_failing_provider_gives_a_partial_job(stack: Stack) -> None:
    sim = stack.run.outputs["LocalProviderSimulatorUrl"]
    fault = requests.post(
        f"{sim}/_control/faults", json={"provider": "bfl", "mode": "500"}, timeout=10
    )
    assert fault.status_code == 200, fault.text
    try:
        job = requests.post(f"{stack.api}/generate", json={"prompt": "a fox"}, timeout=30).json()
        record = stack.wait_terminal(job["jobId"])
    finally:
        requests.delete(f"{sim}/_control/faults", timeout=10)
    assert record["status"] == "partial", record
    failed = [r for r in record["results"] if r["status"] == "error"]
    assert failed and all(r["provider"] == "bfl" and r["error"] for r in failed), record


def test_cors_preflight_as_the_browser_sends_it(stack: Stack) -> None:
    resp = requests.options(
        f"{stack.api}/generate",
        headers={
            "Origin": stack.run.outputs["LocalCloudFrontUrl"],
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-correlation-id",
        },
        timeout=10,
    )
    assert resp.status_code == 204
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert {"content-type", "x-correlation-id"} <= set(
        resp.headers["Access-Control-Allow-Headers"].lower().split(",")
    )


def test_unknown_route_is_api_gateways_404(stack: Stack) -> None:
    resp = requests.get(f"{stack.api}/nope", timeout=10)
    assert (resp.status_code, resp.json()) == (404, {"message": "Not Found"})


def test_redeployed_handler_code_answers_without_restart(stack: Stack) -> None:
    before = requests.get(f"{stack.api}/gallery/list", timeout=30)
    assert before.status_code == 200
    assert "X-Redeployed" not in before.headers
    entry = stack.handler_dir / "lambda_function.py"
    entry.write_text(
        entry.read_text() + "\n\n_original_handler = lambda_handler\n\n\n"
        "def lambda_handler(event, context):\n"
        "    response = _original_handler(event, context)\n"
        "    if isinstance(response, dict) and 'statusCode' in response:\n"
        "        response.setdefault('headers', {})['X-Redeployed'] = 'yes'\n"
        "    return response\n"
    )
    assert stack.deploy().outcome == "updated"
    after = requests.get(f"{stack.api}/gallery/list", timeout=30)
    assert after.status_code == 200
    assert after.headers["X-Redeployed"] == "yes"


def test_stop_ends_every_server_and_worker(stack: Stack) -> None:
    # GIVEN a second local run of the deployed stack, of this test's own, with a warm worker
    run = serve(stack.aws_endpoint, STACK, stack.outputs, Captured(), simulator_latency=0.05)
    try:
        api = run.outputs["LocalApiEndpoint"]
        assert requests.get(f"{api}/gallery/list", timeout=30).status_code == 200
        assert run.registry is not None
        pids = run.registry.worker_pids()
        assert pids
    finally:
        # WHEN it stops (twice: stop is idempotent)
        run.stop()
        run.stop()
    # THEN no worker process and no server is left
    for pid in pids:
        with pytest.raises(OSError):
            os.kill(pid, 0)
    for url in (api, run.outputs["LocalCloudFrontUrl"]):
        with pytest.raises(requests.ConnectionError):
            requests.get(url, timeout=2)
    # and the module's own run still answers
    assert requests.get(f"{stack.api}/gallery/list", timeout=30).status_code == 200
