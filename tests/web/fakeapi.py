"""A fake Pixel Prompt API and a static file server for the page's browser tests.

The fake speaks the HTTP API contract of docs/DESIGN.md (generate, status that progresses with
time, enhance, gallery, JSON errors, 429 with Retry-After, CORS) and serves the images it
"generates" from its own origin, so the page meets cross-origin images as it does on AWS.
Both servers bind 127.0.0.1 on a free port and run in a daemon thread until stopped.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from pixelprompt.contract import CORS, ROUTES, Route

PROMPT_LIMIT = 1000
JOB_ID = re.compile(r"^[0-9a-f-]{36}$")


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$")


# The fake serves exactly the contract's routes: each one's handler is `route_<handler>`.
_ROUTES = [(route, _pattern(route.path)) for route in ROUTES]


def match_route(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for route, pattern in _ROUTES:
        found = pattern.match(path)
        if found and route.method == method:
            return route, found.groupdict()
    return None


@dataclass
class FakeModel:
    name: str
    provider: str
    seconds: float  # time from job start until this model finishes
    error: str | None = None  # when set, the model fails with this message


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    at: float


@dataclass
class Job:
    id: str
    prompt: str
    created: float
    gallery_id: str
    models: list[FakeModel]
    gallery_ts: float = 0.0
    images: dict[int, bytes] = field(default_factory=dict)
    cancelled: bool = False
    retried: dict[int, float] = field(default_factory=dict)  # slot -> when its retry started


# Quick enough to be done by the page's first poll (500 ms); the polling test uses slow ones.
DEFAULT_MODELS = [
    FakeModel("openai/gpt-image-2", "openai", 0.3),
    FakeModel("bfl/flux-pro-1.1", "bfl", 0.4),
    FakeModel("Flux Pro 1.1 Ultra", "bfl", 0.45),
    FakeModel("stability/sd3.5-large", "stability", 0.35),
    FakeModel("recraft/recraftv3", "recraft", 0.4),
    FakeModel("google/gemini-2.5-flash-image", "google", 0.2),
    FakeModel("Gemini 3 Pro Image", "google", 0.4),
    FakeModel("bedrock/amazon.nova-canvas-v1:0", "bedrock", 0.25),
]


def draw_image(prompt: str, model: str, size: int = 512) -> bytes:
    """A PNG that differs per model and prompt: a soft gradient, a sun, hills and the model name."""
    seed = int.from_bytes(hashlib.sha256(f"{model}|{prompt}".encode()).digest()[:4], "big")
    hue = (seed % 360) / 360

    def rgb(h: float, s: float, v: float) -> tuple[int, int, int]:
        r, g, b = colorsys.hsv_to_rgb(h % 1, s, v)
        return int(r * 255), int(g * 255), int(b * 255)

    img = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(img)
    top, bottom = rgb(hue, 0.55, 0.95), rgb(hue + 0.12, 0.75, 0.45)
    for y in range(size):
        t = y / size
        shade = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (size, y)], fill=shade)
    sun_x = size * (0.25 + (seed >> 8) % 50 / 100)
    draw.ellipse(
        [sun_x - 60, size * 0.18, sun_x + 60, size * 0.18 + 120], fill=rgb(hue + 0.08, 0.2, 1)
    )
    for i, (height, shade) in enumerate([(0.62, 0.35), (0.72, 0.25), (0.82, 0.15)]):
        points = [(0, size)]
        for x in range(0, size + 32, 32):
            wobble = ((seed >> (i + x // 32 % 7)) % 40) - 20
            points.append((x, size * height + wobble))
        points.append((size, size))
        draw.polygon(points, fill=rgb(hue + 0.6 + i * 0.04, 0.45, shade + 0.25))
    font = ImageFont.load_default(size=26)
    small = ImageFont.load_default(size=16)
    draw.rounded_rectangle([16, size - 76, size - 16, size - 16], radius=12, fill=(0, 0, 0, 120))
    draw.text((30, size - 70), model, fill="white", font=font)
    draw.text((30, size - 38), "simulated image", fill=(220, 220, 220), font=small)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


class FakeApi:
    """The API contract on 127.0.0.1; tests steer it through its attributes."""

    def __init__(self, models: list[FakeModel] | None = None) -> None:
        self.models = list(models or DEFAULT_MODELS)
        self.jobs: dict[str, Job] = {}
        self.requests: list[Recorded] = []
        self.rate_limit_seconds: int | None = None  # answer the next /generate with 429
        self.enhance_suffix = ", golden hour light, highly detailed, 35 mm photograph"
        self.expose_retry_after = True
        self.lock = threading.Lock()
        self.votes: dict[str, dict[str, Any]] = {}  # jobId -> the vote, like votes/<jobId>.json
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> str:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_ApiHandler, self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def reset(self, models: list[FakeModel] | None = None) -> None:
        with self.lock:
            self.models = list(models or DEFAULT_MODELS)
            self.jobs.clear()
            self.requests.clear()
            self.rate_limit_seconds = None
            self.expose_retry_after = True
            self.votes.clear()

    def calls(self, method: str, prefix: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    # -- the contract ------------------------------------------------------------------------
    def status_of(self, job: Job) -> dict[str, Any]:
        elapsed = time.monotonic() - job.created
        results = []
        for index, model in enumerate(job.models, start=1):
            result: dict[str, Any] = {
                "index": index,
                "model": model.name,
                "provider": model.provider,
            }
            retried_at = job.retried.get(index)
            since = elapsed if retried_at is None else time.monotonic() - retried_at
            if retried_at is not None:
                result["attempt"] = 2
            if since >= model.seconds:
                if model.error and retried_at is None:
                    result |= {"status": "error", "error": model.error}
                else:
                    key = f"images/{job.gallery_id}/{index}-{job.id}.png"
                    result |= {
                        "status": "completed",
                        "imageKey": key,
                        "imageUrl": f"{self.url}/{key}",
                        "duration": round(model.seconds, 1),
                    }
            elif job.cancelled:
                result |= {"status": "error", "error": "cancelled", "errorCode": "CANCELLED"}
            elif since >= model.seconds / 3:
                result["status"] = "in_progress"
            else:
                result["status"] = "pending"
            result["url"] = result.get("imageUrl")
            results.append(result)
        done = [r for r in results if r["status"] in ("completed", "error")]
        ok = [r for r in results if r["status"] == "completed"]
        if len(done) < len(results):
            status = "in_progress" if elapsed > 0.1 else "pending"
        elif len(ok) == len(results):
            status = "completed"
        else:
            status = "partial" if ok else "failed"
        stamp = datetime.now(UTC).isoformat()
        return {
            "jobId": job.id,
            "status": status,
            "createdAt": stamp,
            "updatedAt": stamp,
            "prompt": job.prompt,
            "parameters": {},
            "totalModels": len(results),
            "completedModels": len(ok),
            "results": results,
        }

    def image(self, gallery_id: str, name: str) -> bytes | None:
        match = re.fullmatch(r"(\d+)-([0-9a-f-]{36})\.png", name)
        if not match:
            return None
        job = self.jobs.get(match.group(2))
        index = int(match.group(1))
        if not job or job.gallery_id != gallery_id or not 1 <= index <= len(job.models):
            return None
        if index not in job.images:
            job.images[index] = draw_image(job.prompt, job.models[index - 1].name)
        return job.images[index]

    def galleries(self) -> list[dict[str, Any]]:
        out = []
        for job in self.jobs.values():
            images = [r for r in self.status_of(job)["results"] if r["status"] == "completed"]
            if images:
                out.append(
                    {
                        "id": job.gallery_id,
                        "timestamp": datetime.fromtimestamp(job.gallery_ts, UTC).isoformat(),
                        "preview": images[0]["imageUrl"],
                        "imageCount": len(images),
                    }
                )
        return out


class _ApiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def __init__(self, api: FakeApi, *args: Any, **kwargs: Any) -> None:
        self.api = api
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def _record(self) -> None:
        with self.api.lock:
            self.api.requests.append(
                Recorded(self.command, self.path, dict(self.headers.items()), time.monotonic())
            )

    def _cors(self) -> None:
        exposed = [
            h for h in CORS.expose_headers if h != "Retry-After" or self.api.expose_retry_after
        ]
        self.send_header("Access-Control-Allow-Origin", ", ".join(CORS.allow_origins))
        if exposed:
            self.send_header("Access-Control-Expose-Headers", ", ".join(exposed))

    def _send(self, code: int, body: bytes, ctype: str, headers: dict[str, str] | None = None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self._cors()
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, code: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send(code, json.dumps(data).encode(), "application/json", headers)

    def _error(self, code: int, message: str, machine: str, **headers: str) -> None:
        self._json(code, {"error": message, "code": machine}, headers)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"null")
        except ValueError:
            return ValueError

    def do_OPTIONS(self) -> None:
        self._record()
        self.send_response(204)
        for name, value in {**CORS.response_headers(), **CORS.preflight_headers()}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        self._record()
        self._dispatch()

    def do_GET(self) -> None:
        self._record()
        path = self.path.split("?", 1)[0]
        match = re.fullmatch(r"/images/([\w-]+)/([\w.-]+)", path)
        if match and (png := self.api.image(match.group(1), match.group(2))):
            return self._send(200, png, "image/png", {"Cache-Control": "max-age=3600"})
        self._dispatch()

    def _dispatch(self) -> None:
        """API Gateway's answer to a route key it does not have, else the route's handler."""
        found = match_route(self.command, self.path.split("?", 1)[0])
        if found is None:
            return self._json(404, {"message": "Not Found"})
        route, params = found
        getattr(self, f"route_{route.handler}")(**params)

    def _prompt(self) -> str | None:
        """The request's prompt, or None after answering its 400."""
        body = self._body()
        if body is ValueError or not isinstance(body, dict):
            return self._error(400, "The request body is not valid JSON.", "INVALID_JSON")
        prompt = body.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            return self._error(400, "A prompt is required.", "MISSING_PROMPT")
        if len(prompt) > PROMPT_LIMIT:
            return self._error(
                400,
                f"The prompt is {len(prompt)} characters long; the limit is {PROMPT_LIMIT}.",
                "PROMPT_TOO_LONG",
            )
        return prompt

    def route_enhance(self) -> None:
        prompt = self._prompt()
        if prompt is not None:
            enhanced = prompt + self.api.enhance_suffix
            self._json(200, {"original": prompt, "enhanced": enhanced})

    def route_generate(self) -> None:
        prompt = self._prompt()
        if prompt is None:
            return None
        with self.api.lock:
            wait = self.api.rate_limit_seconds
            self.api.rate_limit_seconds = None
        if wait is not None:
            return self._error(
                429,
                "Too many requests from your address: the limit is 5 generations per hour.",
                "RATE_LIMITED",
                **{"Retry-After": str(wait)},
            )
        now = time.time()
        job = Job(
            id=str(uuid.uuid4()),
            prompt=prompt,
            created=time.monotonic(),
            gallery_id=datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d-%H-%M-%S-")
            + uuid.uuid4().hex[:6],
            models=list(self.api.models),
            gallery_ts=now,
        )
        self.api.jobs[job.id] = job
        self._json(202, {"jobId": job.id, "status": "pending", "totalModels": len(job.models)})

    def route_status(self, jobId: str) -> None:  # the contract's path parameter
        job_id = jobId
        if not JOB_ID.match(job_id):
            return self._error(400, "That is not a valid job id.", "INVALID_JOB_ID")
        job = self.api.jobs.get(job_id)
        if not job:
            return self._error(404, "No job with that id.", "JOB_NOT_FOUND")
        return self._json(200, self.api.status_of(job))

    def route_gallery_list(self) -> None:
        self._json(200, {"galleries": self.api.galleries()})

    def route_gallery_get(self, galleryId: str) -> None:
        for job in self.api.jobs.values():
            if job.gallery_id == galleryId:
                results = self.api.status_of(job)["results"]
                images = [
                    {"model": r["model"], "url": r["imageUrl"], "prompt": job.prompt}
                    for r in results
                    if r["status"] == "completed"
                ]
                payload = {"id": galleryId, "prompt": job.prompt, "images": images}
                return self._json(200, payload)
        return self._error(404, "No gallery with that id.", "GALLERY_NOT_FOUND")

    def _job(self, job_id: str) -> Job | None:
        """The job, or None after answering its 400/404."""
        if not JOB_ID.match(job_id):
            return self._error(400, "The job id is not a valid UUID.", "INVALID_JOB_ID")
        job = self.api.jobs.get(job_id)
        if not job:
            return self._error(404, f"There is no job {job_id}.", "JOB_NOT_FOUND")
        return job

    def route_list_models(self) -> None:
        models = [
            {"index": i, "name": m.name, "provider": m.provider, "identity": m.name}
            for i, m in enumerate(self.api.models, start=1)
        ]
        self._json(200, {"aspectRatios": ["1:1", "4:3", "3:4", "16:9", "9:16"], "models": models})

    def route_retry_model(self, jobId: str) -> None:
        body, job = self._body(), self._job(jobId)
        if job is None:
            return None
        index = body.get("model") if isinstance(body, dict) else None
        status = self.api.status_of(job)
        result = next((r for r in status["results"] if r["index"] == index), None)
        if result is None or result["status"] != "error":
            return self._error(409, "Only a failed model can be retried.", "NOT_RETRYABLE")
        job.retried[index] = time.monotonic()
        self._json(202, {"jobId": job.id, "model": index, "attempt": 2, "status": "in_progress"})

    def route_cancel_job(self, jobId: str) -> None:
        job = self._job(jobId)
        if job is None:
            return None
        finished = self.api.status_of(job)["status"] in ("completed", "partial", "failed")
        if finished and not job.cancelled:
            return self._error(409, "The job has already finished.", "JOB_FINISHED")
        job.cancelled = True
        self._json(200, {**self.api.status_of(job), "cancelled": True, "error": "cancelled"})

    def route_vote_on_job(self, jobId: str) -> None:
        body, job = self._body(), self._job(jobId)
        if job is None:
            return None
        done = [r for r in self.api.status_of(job)["results"] if r["status"] == "completed"]
        picked = body.get("ranking") or [body.get("best")] if isinstance(body, dict) else []
        if not picked or not set(picked) <= {r["index"] for r in done}:
            return self._error(400, "Pick this job's finished images.", "INVALID_VOTE")
        with self.api.lock:
            if job.id in self.api.votes:
                return self._error(409, "This job already has a vote.", "ALREADY_VOTED")
            vote = {
                "jobId": job.id, "votedAt": datetime.now(UTC).isoformat(), "votedAtTs": time.time(),
                "kind": "ranking" if "ranking" in body else "best", "ranking": picked,
                "prompt": job.prompt,
                "candidates": [{"index": r["index"], "model": r["model"], "duration": r["duration"],
                                "identity": r["model"], "cost": None} for r in done],
            }  # fmt: skip
            self.api.votes[job.id] = vote
        names = {r["index"]: r["model"] for r in done}
        self._json(201, {**vote, "revealed": [{"index": i, "model": names[i]} for i in picked]})

    def route_get_vote(self, jobId: str) -> None:
        if self._job(jobId) is None:
            return None
        vote = self.api.votes.get(jobId)
        if vote is None:
            return self._error(404, f"Job {jobId} has no vote.", "VOTE_NOT_FOUND")
        self._json(200, vote)

    def route_get_leaderboard(self) -> None:
        from pixelprompt import leaderboard  # the real fit, over the fake's votes

        found = list(self.api.votes.values())
        self._json(200, {"method": "bradley-terry", "totalVotes": len(found),
                         "truncated": False, "models": leaderboard.table(found)})  # fmt: skip

    def route_export_votes(self) -> None:
        self._json(200, {"votes": list(self.api.votes.values()), "truncated": False})

    def route_client_log(self) -> None:
        self._body()  # read, so the connection stays usable; the report is not kept
        self._send(204, b"", "application/json")


class _StaticHandler(SimpleHTTPRequestHandler):
    """frontend/ as CloudFront would serve it, plus the generated config.json."""

    def __init__(self, config: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        self.config = config
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/config.json":
            body = json.dumps(self.config).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


class StaticSite:
    def __init__(self, root: Path, config: dict[str, Any]) -> None:
        self.config = config
        handler = partial(_StaticHandler, self.config, directory=str(root))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}/"

    def start(self) -> str:
        self._thread.start()
        return self.url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
