"""What the simulator remembers between requests: served files, BFL tasks, the request log."""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .exchange import Exchange, Reply
from .faults import Fault, FaultBook

MAX_FILES = 256
MAX_TASKS = 1024
MAX_LOG = 10_000


@dataclass
class StoredFile:
    provider: str
    content_type: str
    data: bytes


@dataclass
class BflTask:
    prompt: str
    model: str
    ready_at: float
    mode: str | None  # moderation / block200 / malformed, decided at submit time
    polls: int = 0
    sample: str | None = None
    shape: str | None = None  # "WxH" or "w:h" as submitted
    seed: int | None = None


class Bounded(OrderedDict):
    """An insertion-ordered dict that forgets its oldest entries beyond `limit`."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: object, value: object) -> None:
        super().__setitem__(key, value)
        while len(self) > self.limit:
            self.popitem(last=False)


@dataclass
class State:
    latency: float = 0.0
    url: str = ""
    faults: FaultBook = field(default_factory=FaultBook)
    stopping: threading.Event = field(default_factory=threading.Event)
    files: Bounded = field(default_factory=lambda: Bounded(MAX_FILES))
    tasks: Bounded = field(default_factory=lambda: Bounded(MAX_TASKS))
    log: deque = field(default_factory=lambda: deque(maxlen=MAX_LOG))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def store_file(self, provider: str, data: bytes, content_type: str, ext: str) -> str:
        """Keep bytes to serve at a URL (BFL samples, Recraft URLs); returns that URL."""
        name = f"{uuid.uuid4().hex}.{ext}"
        with self.lock:
            self.files[name] = StoredFile(provider, content_type, data)
        return f"{self.url}/files/{name}"

    def file(self, name: str) -> StoredFile | None:
        with self.lock:
            return self.files.get(name)

    def record(self, provider: str, path: str, method: str) -> None:
        with self.lock:
            self.log.append((provider, path, method))

    def requests(self) -> list[tuple[str, str, str]]:
        with self.lock:
            return list(self.log)

    def clear_requests(self) -> None:
        with self.lock:
            self.log.clear()

    def pause(self, seconds: float) -> None:
        """Sleep, but wake at once when the simulator stops."""
        if seconds > 0:
            self.stopping.wait(seconds)

    def now(self) -> float:
        return time.monotonic()


Handler = Callable[["State", Exchange, dict[str, str], "str | None"], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str  # a regular expression on the path, with named groups
    handler: Handler


@dataclass(frozen=True)
class Protocol:
    """One provider's wire protocol: its routes, its auth check and its error envelopes."""

    provider: str
    routes: tuple[Route, ...]
    check_auth: Callable[[Exchange], Reply | None]
    fault_reply: Callable[[Fault], Reply]
    bad_request: Callable[[str], Reply]  # the provider's answer to a body it cannot parse
    prefix: str = ""  # its routes' first path segment ("openai"); "" for Bedrock's AWS paths
