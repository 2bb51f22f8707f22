"""A fake Pixel Prompt API and a static file server for the page's browser tests.

The fake speaks the HTTP API contract of docs/DESIGN.md (generate, status that progresses with
time, enhance, gallery, JSON errors, 429 with Retry-After, CORS) and serves the images it
"generates" from its own origin, so the page meets cross-origin images as it does on AWS.
Both servers bind 127.0.0.1 on a free port and run in a daemon thread until stopped.
"""

from __future__ import annotations

import colorsys
import csv
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
from urllib.parse import parse_qs

from PIL import Image, ImageDraw, ImageFont
from pixelprompt.contract import CORS, ROUTES, Route

from local.quiet_http import QuietThreadingHTTPServer

PROMPT_LIMIT = 1000
JOB_ID = re.compile(r"^[0-9a-f-]{36}$")
TERMINAL = ("completed", "partial", "failed")


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
    models: list[FakeModel]  # the models this job runs, in slot order
    gallery_ts: float = 0.0
    images: dict[int, bytes] = field(default_factory=dict)
    indices: list[int] = field(default_factory=list)  # slot index of each model
    aspect: str = "1:1"
    seed: int | None = None
    retried: dict[int, float] = field(default_factory=dict)  # index -> elapsed at retry
    cancelled_at: float | None = None  # elapsed seconds at cancel


ASPECT_SIZES = {
    "1:1": (1024, 1024),
    "4:3": (1152, 864),
    "3:4": (864, 1152),
    "16:9": (1280, 720),
    "9:16": (720, 1280),
}
RETRY_SECONDS = 0.3
PRICE_USD = 0.04


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


def draw_image(prompt: str, model: str, size: int = 512, height: int | None = None) -> bytes:
    """A PNG that differs per model and prompt: a soft gradient, a sun, hills and the model name."""
    width, size = size, height or size  # drawn at the asked width x height
    seed = int.from_bytes(hashlib.sha256(f"{model}|{prompt}".encode()).digest()[:4], "big")
    hue = (seed % 360) / 360

    def rgb(h: float, s: float, v: float) -> tuple[int, int, int]:
        r, g, b = colorsys.hsv_to_rgb(h % 1, s, v)
        return int(r * 255), int(g * 255), int(b * 255)

    img = Image.new("RGB", (width, size))
    draw = ImageDraw.Draw(img)
    top, bottom = rgb(hue, 0.55, 0.95), rgb(hue + 0.12, 0.75, 0.45)
    for y in range(size):
        t = y / size
        shade = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=shade)
    sun_x = width * (0.25 + (seed >> 8) % 50 / 100)
    draw.ellipse(
        [sun_x - 60, size * 0.18, sun_x + 60, size * 0.18 + 120], fill=rgb(hue + 0.08, 0.2, 1)
    )
    for i, (height, shade) in enumerate([(0.62, 0.35), (0.72, 0.25), (0.82, 0.15)]):
        points = [(0, size)]
        for x in range(0, width + 32, 32):
            wobble = ((seed >> (i + x // 32 % 7)) % 40) - 20
            points.append((x, size * height + wobble))
        points.append((width, size))
        draw.polygon(points, fill=rgb(hue + 0.6 + i * 0.04, 0.45, shade + 0.25))
    font = ImageFont.load_default(size=26)
    small = ImageFont.load_default(size=16)
    draw.rounded_rectangle([16, size - 76, width - 16, size - 16], radius=12, fill=(0, 0, 0, 120))
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
        self.votes: dict[str, dict[str, Any]] = {}  # jobId -> the vote, like votes/<jobId>.json
        self.requests: list[Recorded] = []
        self.rate_limit_seconds: int | None = None  # answer the next /generate with 429
        self.enhance_suffix = ", golden hour light, highly detailed, 35 mm photograph"
        self.expose_retry_after = True
        self.access_token: str | None = None  # set: a private deployment (401 without it)
        # path prefix -> an event its 401 waits for (a refusal that arrives after the others)
        self.held_refusals: dict[str, threading.Event] = {}
        self.aliases_only = False  # answer as the original client's API did: url, long_prompt
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> str:
        self._server = QuietThreadingHTTPServer(("127.0.0.1", 0), partial(_ApiHandler, self))
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
            self.votes.clear()
            self.requests.clear()
            self.rate_limit_seconds = None
            self.expose_retry_after = True
            self.access_token = None
            self.held_refusals = {}
            self.votes.clear()
            self.aliases_only = False

    def calls(self, method: str, prefix: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    # -- the contract ------------------------------------------------------------------------
    def _events(self, job: Job) -> list[float]:
        """Seconds after the job's start at which its record changes."""
        times = [0.0]
        for index, model in zip(job.indices, job.models, strict=True):
            times += [model.seconds / 3, model.seconds]
            if index in job.retried:
                times += [job.retried[index], job.retried[index] + RETRY_SECONDS]
        if job.cancelled_at is not None:
            times.append(job.cancelled_at)
        return times

    def _result(self, job: Job, index: int, model: FakeModel, elapsed: float) -> dict[str, Any]:
        width, height = ASPECT_SIZES[job.aspect]
        seeded = model.provider != "recraft"
        sent: dict[str, Any] = {"size": f"{width}x{height}", "seed": job.seed if seeded else None}
        notes = []
        if job.seed is not None and not seeded:
            notes.append("Recraft's API takes no seed, so the seed was not sent")
        result: dict[str, Any] = {
            "index": index,
            "model": model.name,
            "provider": model.provider,
            "sent": sent,
            "notes": notes,
        }
        retried = job.retried.get(index)
        finish = model.seconds if retried is None else retried + RETRY_SECONDS
        fails = model.error is not None and retried is None
        cancelled = job.cancelled_at is not None and job.cancelled_at < finish
        if cancelled and (retried is None or retried < job.cancelled_at):
            return result | {"status": "error", "error": "cancelled", "errorCode": "CANCELLED"}
        if elapsed >= finish:
            if fails:
                return result | {"status": "error", "error": model.error}
            key = f"images/{job.gallery_id}/{index}-{job.id}.png"
            url = f"{self.url}/{key}"
            return result | {
                "status": "completed",
                "imageKey": key,
                "imageUrl": url,
                "url": url,  # the original client's name for imageUrl
                "duration": round(finish - (retried or 0), 1),
                "received": {"width": width, "height": height, "seed": sent["seed"]},
                "cost": {"usd": PRICE_USD, "measured": False},
                "attempt": 2 if retried is not None else 1,
            }
        started = retried if retried is not None else model.seconds / 3
        result["status"] = "in_progress" if elapsed >= started else "pending"
        return result

    def status_of(self, job: Job) -> dict[str, Any]:
        elapsed = time.monotonic() - job.created
        results = [
            self._result(job, index, model, elapsed)
            for index, model in zip(job.indices, job.models, strict=True)
        ]
        done = [r for r in results if r["status"] in ("completed", "error")]
        ok = [r for r in results if r["status"] == "completed"]
        if len(done) < len(results):
            status = "in_progress" if elapsed > 0.1 else "pending"
        elif len(ok) == len(results):
            status = "completed"
        else:
            status = "partial" if ok else "failed"
        changed = max(t for t in self._events(job) if t <= elapsed)
        stamp = datetime.fromtimestamp(job.gallery_ts + changed, UTC).isoformat()
        return {
            "jobId": job.id,
            "galleryId": job.gallery_id,
            "status": status,
            "createdAt": datetime.fromtimestamp(job.gallery_ts, UTC).isoformat(),
            "updatedAt": stamp,
            "prompt": job.prompt,
            "parameters": {"aspectRatio": job.aspect, "seed": job.seed},
            "totalModels": len(results),
            "completedModels": len(done),
            "results": [self._aliased(r) for r in results],
        }

    def _aliased(self, result: dict[str, Any]) -> dict[str, Any]:
        """Only the compatibility alias `url`, when a test asks for the original client's API."""
        return {k: v for k, v in result.items() if k != "imageUrl"} if self.aliases_only else result

    def image(self, gallery_id: str, name: str) -> bytes | None:
        match = re.fullmatch(r"(\d+)-([0-9a-f-]{36})\.png", name)
        if not match:
            return None
        job = self.jobs.get(match.group(2))
        index = int(match.group(1))
        if not job or job.gallery_id != gallery_id or index not in job.indices:
            return None
        if index not in job.images:
            model = job.models[job.indices.index(index)]
            job.images[index] = draw_image(job.prompt, model.name, *ASPECT_SIZES[job.aspect])
        return job.images[index]

    def new_job(self, prompt: str, indices: list[int], aspect: str, seed: int | None) -> Job:
        now = time.time()
        job = Job(
            id=str(uuid.uuid4()),
            prompt=prompt,
            created=time.monotonic(),
            gallery_id=datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d-%H-%M-%S-")
            + uuid.uuid4().hex[:6],
            models=[self.models[i - 1] for i in indices],
            indices=indices,
            gallery_ts=now,
            aspect=aspect,
            seed=seed,
        )
        with self.lock:
            self.jobs[job.id] = job
        return job

    def add_finished_jobs(self, count: int) -> None:
        """`count` generations that finished long ago (for the gallery's pages)."""
        for n in range(count):
            job = self.new_job(f"archived prompt number {n}", [1], "1:1", None)
            job.created -= 3600
            job.gallery_ts -= 3600 + count - n

    def galleries(self) -> list[dict[str, Any]]:
        out = []
        for job in sorted(self.jobs.values(), key=lambda j: -j.gallery_ts):
            results = self.status_of(job)["results"]
            images = [r for r in results if r["status"] == "completed"]
            if images:
                out.append(
                    {
                        "id": job.gallery_id,
                        "timestamp": datetime.fromtimestamp(job.gallery_ts, UTC).isoformat(),
                        "prompt": job.prompt,
                        "preview": images[0]["url"],
                        "thumbnails": [r["url"] for r in images],
                        "imageCount": len(images),
                        "failedCount": sum(1 for r in results if r["status"] == "error"),
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

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.path.partition("?")[2]).items()}

    def do_OPTIONS(self) -> None:
        self._record()
        self.send_response(204)
        for name, value in {**CORS.response_headers(), **CORS.preflight_headers()}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _refused(self) -> bool:
        """A private fake answers 401 without the right bearer token, as the function does."""
        wanted = self.api.access_token
        if wanted is None or self.path.startswith("/images/"):
            return False
        given = self.headers.get("Authorization") or ""
        if given == f"Bearer {wanted}":
            return False
        self._body()  # read, so the connection stays usable
        for prefix, release in self.api.held_refusals.items():
            if self.path.startswith(prefix):
                release.wait(10)  # bounded: a test that forgets to release it still ends
        code = "TOKEN_INVALID" if given else "TOKEN_REQUIRED"
        text = (
            "The access token is not right for this deployment."
            if given
            else "This deployment is private: send its access token as a Bearer token."
        )
        self._error(401, text, code, **{"WWW-Authenticate": 'Bearer realm="pixelprompt"'})
        return True

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
        if self._refused():  # before routing, as the function does
            return None
        found = match_route(self.command, self.path.split("?", 1)[0])
        if found is None:
            return self._json(404, {"message": "Not Found"})
        route, params = found
        getattr(self, f"route_{route.handler}")(**params)

    def _object(self) -> dict[str, Any] | None:
        """The request's JSON object, or None after answering its 400."""
        body = self._body()
        if body is ValueError or not isinstance(body, dict):
            return self._error(400, "The request body is not valid JSON.", "INVALID_JSON")
        return body

    def _prompt(self, body: dict[str, Any]) -> str | None:
        """The request's prompt, or None after answering its 400."""
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
        body = self._object()
        prompt = None if body is None else self._prompt(body)
        if prompt is not None:
            enhanced = prompt + self.api.enhance_suffix
            # short_prompt/long_prompt: the original client's names, as the API sends them
            payload = {"original": prompt, "enhanced": enhanced, "short_prompt": prompt}
            payload["long_prompt"] = enhanced
            if self.api.aliases_only:
                del payload["enhanced"]
            self._json(200, payload)

    def route_generate(self) -> None:
        body = self._object()
        prompt = None if body is None else self._prompt(body)
        if body is None or prompt is None:
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
        aspect = body.get("aspectRatio") or "1:1"
        if aspect not in ASPECT_SIZES:
            return self._error(400, f"aspectRatio must be one of {', '.join(ASPECT_SIZES)}.",
                               "INVALID_PARAMETER")  # fmt: skip
        seed = body.get("seed")
        if seed is not None and (type(seed) is not int or not 0 <= seed <= 2_147_483_647):
            return self._error(400, "seed must be a whole number from 0 to 2147483647.",
                               "INVALID_PARAMETER")  # fmt: skip
        configured = list(range(1, len(self.api.models) + 1))
        indices = body.get("models", configured)
        if (
            not isinstance(indices, list)
            or not indices
            or any(type(i) is not int or i not in configured for i in indices)
            or len(set(indices)) != len(indices)
        ):
            return self._error(400, f"models must list slot indices from 1 to {len(configured)}.",
                               "INVALID_MODELS")  # fmt: skip
        job = self.api.new_job(prompt, sorted(indices), aspect, seed)
        created = datetime.fromtimestamp(job.gallery_ts, UTC).isoformat()
        self._json(
            202,
            {"jobId": job.id, "status": "pending", "totalModels": len(job.models),
             "galleryId": job.gallery_id, "createdAt": created},
        )  # fmt: skip

    def route_status(self, jobId: str) -> None:  # the contract's path parameter
        job = self._job(jobId)
        if job is not None:
            self._json(200, self._long_poll(job))

    def _long_poll(self, job: Job) -> dict[str, Any]:
        """As the API's: answer when a result has changed from the record the client holds."""
        wait = float(self.query.get("wait", "0"))
        since = self.query.get("since")
        deadline = time.monotonic() + wait
        view = self.api.status_of(job)
        if since is None or view["updatedAt"] != since or view["status"] in TERMINAL:
            return view

        def progress(v: dict[str, Any]) -> list[Any]:
            final = ("completed", "error")
            return [(r["index"], r["status"] in final and r["status"]) for r in v["results"]]

        baseline = progress(view)
        while time.monotonic() < deadline:
            time.sleep(0.05)
            view = self.api.status_of(job)
            if view["status"] in TERMINAL or progress(view) != baseline:
                break
        return view

    def route_gallery_list(self) -> None:
        limit = int(self.query.get("limit", "50"))
        offset = int(self.query.get("cursor", "0"))
        everything = self.api.galleries()
        page = everything[offset : offset + limit]
        more = offset + limit < len(everything)
        self._json(200, {"galleries": page, "next": str(offset + limit) if more else None})

    def route_gallery_get(self, galleryId: str) -> None:
        for job in self.api.jobs.values():
            if job.gallery_id == galleryId:
                results = self.api.status_of(job)["results"]
                images = [
                    {"model": r["model"], "url": r["url"], "prompt": job.prompt}
                    for r in results
                    if r["status"] == "completed"
                ]
                failed = [
                    {"index": r["index"], "model": r["model"], "status": "error",
                     "error": r["error"], "errorCode": r.get("errorCode")}
                    for r in results
                    if r["status"] == "error"
                ]  # fmt: skip
                payload = {
                    "id": galleryId,
                    "jobId": job.id,
                    "prompt": job.prompt,
                    "timestamp": datetime.fromtimestamp(job.gallery_ts, UTC).isoformat(),
                    "images": images,
                    "failed": failed,
                }
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
        def shapes(m: FakeModel) -> dict[str, Any]:
            note = ["Recraft's API takes no seed"] if m.provider == "recraft" else []
            return {
                ratio: {"sent": {"size": f"{w}x{h}", "seed": None}, "notes": note}
                for ratio, (w, h) in ASPECT_SIZES.items()
            }

        models = [
            {"index": i, "name": m.name, "provider": m.provider, "identity": m.name,
             "shapes": shapes(m)}
            for i, m in enumerate(self.api.models, start=1)
        ]  # fmt: skip
        self._json(200, {"aspectRatios": ["1:1", "4:3", "3:4", "16:9", "9:16"], "models": models})

    def route_retry_model(self, jobId: str) -> None:
        body, job = self._body(), self._job(jobId)
        if job is None:
            return None
        index = body.get("model") if isinstance(body, dict) else None
        result = next((r for r in self.api.status_of(job)["results"] if r["index"] == index), None)
        if result is None:
            return self._error(400, f"There is no model in slot {index}.", "INVALID_MODELS")
        if result["status"] != "error" or index in job.retried:
            return self._error(409, "Only a failed model can be retried.", "NOT_RETRYABLE")
        job.retried[index] = time.monotonic() - job.created
        self._json(202, {"jobId": job.id, "model": index, "attempt": 2, "status": "in_progress"})

    def route_cancel_job(self, jobId: str) -> None:
        job = self._job(jobId)
        if job is None:
            return None
        if self.api.status_of(job)["status"] in TERMINAL and job.cancelled_at is None:
            return self._error(409, "The job has already finished.", "JOB_FINISHED")
        if job.cancelled_at is None:
            job.cancelled_at = time.monotonic() - job.created
        self._json(200, {**self.api.status_of(job), "cancelled": True, "error": "cancelled"})

    def route_vote_on_job(self, jobId: str) -> None:
        body, job = self._body(), self._job(jobId)
        if job is None:
            return None
        view = self.api.status_of(job)
        if view["status"] not in TERMINAL:
            return self._error(409, "The job is still running.", "JOB_RUNNING")
        done = [r for r in view["results"] if r["status"] == "completed"]
        body = body if isinstance(body, dict) else {}
        picked = body.get("ranking") or ([body["best"]] if "best" in body else [])
        if not picked or not set(picked) <= {r["index"] for r in done} or len(picked) > 3:
            return self._error(400, "Pick 1-3 of this job's finished images.", "INVALID_VOTE")
        with self.api.lock:
            if job.id in self.api.votes:
                return self._error(409, "This job already has a vote.", "ALREADY_VOTED")
            vote = {
                "jobId": job.id, "votedAt": datetime.now(UTC).isoformat(), "votedAtTs": time.time(),
                "kind": "ranking" if "ranking" in body else "best", "ranking": picked,
                "prompt": job.prompt,
                "candidates": [{"index": r["index"], "model": r["model"], "duration": r["duration"],
                                "identity": r["model"], "cost": r.get("cost")} for r in done],
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
        votes = list(self.api.votes.values())
        if self.query.get("format") == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(["jobId", "votedAt", "ranking"])
            for v in votes:
                writer.writerow([v["jobId"], v["votedAt"], " ".join(map(str, v["ranking"]))])
            return self._send(200, out.getvalue().encode(), "text/csv; charset=utf-8")
        self._json(200, {"votes": votes, "truncated": False})

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
        self._server = QuietThreadingHTTPServer(("127.0.0.1", 0), handler)
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
