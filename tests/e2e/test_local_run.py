"""The local run's proof: `deploy.py --params parameters.example.json --local` as a person runs it.

The real command runs as a subprocess; after its outputs file appears everything goes over HTTP
(plus one redeploy through `deploy.py --endpoint-url`, as the development loop does it).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from local.driver import FAKE_AWS, ROOT, LocalStack, local_stack

pytestmark = pytest.mark.e2e

EXAMPLE = json.loads((ROOT / "parameters.example.json").read_text())
MODEL_NAMES = [
    EXAMPLE["Parameters"][f"Model{n}Name"]
    for n in range(1, int(EXAMPLE["Parameters"]["ModelCount"]) + 1)
]
PROJECT_PARTS = ("deployer", "infra", "handler", "local", "frontend", "deploy.py")
OLD_SENTENCE = "The job id is not a valid UUID."
NEW_SENTENCE = "That job id is not a UUID (redeployed code)."


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with local_stack(EXAMPLE, tmp_path_factory.mktemp("e2e")) as running:
        yield running
        # SIGINT stops it within seconds leaving no child, checked after every test of the
        # module whatever their order.
        running.call("GET", "/gallery/list")  # at least one environment to stop
        running.stop_and_check()
        assert "Traceback" not in running.tail(400)


@pytest.fixture(scope="module")
def finished_job(stack: LocalStack) -> dict:
    accepted = stack.call("POST", "/generate", {"prompt": "a lighthouse at dusk, oil painting"})
    assert accepted.status == 202, accepted
    body = accepted.json()
    assert body["status"] == "pending" and body["totalModels"] == len(MODEL_NAMES)
    return stack.wait_terminal(body["jobId"], within_s=90)


def test_every_example_model_completes(finished_job: dict) -> None:
    assert finished_job["status"] == "completed", finished_job
    results = sorted(finished_job["results"], key=lambda r: r["index"])
    assert [r["model"] for r in results] == MODEL_NAMES
    assert all(r["status"] == "completed" and r["error"] is None for r in results)


def test_every_image_url_serves_a_png_that_decodes(stack: LocalStack, finished_job: dict) -> None:
    cdn = stack.outputs["LocalCloudFrontUrl"].rstrip("/")
    for result in finished_job["results"]:
        assert result["imageUrl"].startswith(cdn + "/images/")
        reply = stack.request("GET", result["imageUrl"])
        assert reply.status == 200 and reply.headers["content-type"].startswith("image/")
        with Image.open(io.BytesIO(reply.body)) as image:
            image.load()  # decodes every pixel, not just the header
            assert image.width > 0 and image.height > 0


def test_enhance_answers_with_a_richer_prompt(stack: LocalStack) -> None:
    reply = stack.call("POST", "/enhance", {"prompt": "a cat"})
    assert reply.status == 200, reply
    body = reply.json()
    assert body["original"] == "a cat"
    assert len(body["enhanced"]) > len("a cat")


def test_cors_preflight_for_the_clients_headers_passes(stack: LocalStack) -> None:
    reply = stack.call(
        "OPTIONS",
        "/generate",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type, X-Correlation-ID",
        },
    )
    assert reply.status in (200, 204), reply
    allowed = reply.headers["access-control-allow-headers"].lower()
    assert "content-type" in allowed and "x-correlation-id" in allowed
    assert reply.headers["access-control-allow-origin"] in ("*", "https://example.org")
    assert "POST" in reply.headers["access-control-allow-methods"]


def test_redeployed_handler_code_serves_the_next_request(stack: LocalStack, tmp_path: Path) -> None:
    before = stack.call("GET", "/status/not-a-uuid")
    assert before.status == 400 and before.json()["error"] == OLD_SENTENCE

    project = _copy_project(tmp_path)
    api_module = project / "handler" / "pixelprompt" / "api.py"
    source = api_module.read_text()
    assert OLD_SENTENCE in source
    api_module.write_text(source.replace(OLD_SENTENCE, NEW_SENTENCE))
    params = tmp_path / "params.json"
    params.write_text(json.dumps(EXAMPLE))
    redeploy = subprocess.run(
        [sys.executable, "deploy.py", "--params", str(params), "--local",
         "--endpoint-url", stack.outputs["LocalAwsEndpoint"]],
        cwd=project, env=_env(), stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert redeploy.returncode == 0, redeploy.stdout + redeploy.stderr
    assert "UPDATE_COMPLETE" in redeploy.stdout

    after = stack.call("GET", "/status/not-a-uuid")
    assert after.status == 400 and after.json()["error"] == NEW_SENTENCE
    # The web page keeps talking to the local API the run serves.
    config = stack.request("GET", stack.outputs["LocalCloudFrontUrl"].rstrip("/") + "/config.json")
    assert config.json()["apiEndpoint"].rstrip("/") == stack.api


def _cdn(stack: LocalStack) -> str:
    return stack.outputs["LocalCloudFrontUrl"].rstrip("/")


def test_the_cdn_serves_only_the_page_and_the_images(stack: LocalStack, finished_job: dict) -> None:
    cdn = _cdn(stack)
    bucket = stack.outputs["S3BucketName"]
    listed = stack.client("s3").list_objects_v2(Bucket=bucket)["Contents"]
    private = [o["Key"] for o in listed if o["Key"].startswith(("jobs/", "ratelimit/"))]
    # real objects of every private kind exist, so a 403 is the policy, not a missing key
    assert any(k.endswith("/status.json") for k in private), private
    assert any("/results/" in k for k in private), private
    assert any(k.startswith("ratelimit/ip/") for k in private), private
    secret_arn = stack.client("lambda").get_function_configuration(
        FunctionName=stack.outputs["FunctionName"]
    )["Environment"]["Variables"]["PROVIDER_SECRET_ARN"]
    secret_name = secret_arn.rsplit(":", 1)[1]
    for key in [*private, "votes/x.json", "secrets", secret_name, secret_arn]:
        reply = stack.request("GET", f"{cdn}/{key}")
        assert reply.status in (403, 404), (key, reply.status)
        assert b"hunter" not in reply.body and reply.body.count(b"{") == 0, key
    for key in ("", "index.html", "config.json", "assets/main.js", "assets/style.css"):
        assert stack.request("GET", f"{cdn}/{key}").status == 200, key
    image = finished_job["results"][0]["imageUrl"]
    assert stack.request("GET", image).status == 200


def test_images_carry_cors_and_the_page_its_security_headers(
    stack: LocalStack, finished_job: dict
) -> None:
    cdn = _cdn(stack)
    other = {"Origin": "https://elsewhere.example"}
    image = stack.request("GET", finished_job["results"][0]["imageUrl"], headers=other)
    assert image.status == 200
    assert image.headers["access-control-allow-origin"] == "*"
    page = stack.request("GET", f"{cdn}/", headers=other)
    assert page.status == 200 and "access-control-allow-origin" not in page.headers
    assert page.headers["strict-transport-security"].startswith("max-age=63072000")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_a_page_on_another_origin_can_fetch_an_image_and_read_its_pixels(
    stack: LocalStack, finished_job: dict, chromium: object
) -> None:
    image_url = finished_job["results"][0]["imageUrl"]
    page_url = f"{_cdn(stack)}/index.html"
    with _other_origin() as origin:
        assert origin.split(":")[2] != _cdn(stack).split(":")[2]  # another port: another origin
        tab = chromium.new_page()  # type: ignore[attr-defined]
        try:
            tab.goto(origin)
            got = tab.evaluate(CROSS_ORIGIN_PROBE, image_url)
            refused = tab.evaluate(CROSS_ORIGIN_PROBE, page_url)
        finally:
            tab.close()
    # fetch() reads the image, and a canvas that drew it stays readable (not tainted)
    assert got["fetched"] and got["type"].startswith("image/") and got["size"] > 0, got
    assert got["pixels"] == 4 and got["etag"], got  # ETag: an exposed header is readable
    # the page itself has no CORS: the same probe fails on it (the probe can fail)
    assert not refused["fetched"] and "Failed to fetch" in refused["error"], refused


CROSS_ORIGIN_PROBE = """async (url) => {
  try {
    const reply = await fetch(url);
    const blob = await reply.blob();
    const img = new Image();
    img.crossOrigin = "anonymous";
    img.src = url;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const pixels = ctx.getImageData(0, 0, 1, 1).data.length;  // throws on a tainted canvas
    return {fetched: true, type: blob.type, size: blob.size, pixels,
            etag: reply.headers.get("etag")};
  } catch (e) {
    return {fetched: false, error: String(e)};
  }
}"""


@contextmanager
def _other_origin() -> Iterator[str]:
    """A blank page served from 127.0.0.1 on a port of its own."""

    class Blank(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<!doctype html><title>elsewhere</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Blank)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, project / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, project / part)
    return project


def _env() -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {**env, **FAKE_AWS, "COLUMNS": "120"}
