"""The one HTTP helper every requests-based adapter uses.

Every call has a timeout (connect short, read bounded by the model's deadline). What is retried
is the call's RetryPolicy: a paid submission is sent again only when it surely was not processed
(the connection was never made, a 429, or an answer the vendor documents as retryable), never
after a read timeout or a connection dropped once the request was out, because the provider may
have accepted it and would bill it twice. Idempotent GETs (polls, downloads) retry every
transient failure. Retries use exponential backoff with full jitter, honouring Retry-After,
retry-after-ms and Gemini's RetryInfo, bounded by an attempt count and by the deadline. Every
failure becomes a ProviderError whose message a person can act on and which never contains the
API key.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, DecodeError, ProtocolError, ReadTimeoutError

from pixelprompt.scrub import scrub as scrub_secrets

from .base import ProviderError

log = logging.getLogger("pixelprompt.providers")

MAX_ATTEMPTS = 4
CONNECT_TIMEOUT = 5.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 20.0
POOL_SIZE = 32  # one session per worker thread, and up to 20 threads in a job
CHUNK = 64 * 1024
MAX_BODY = 64 * 2**20  # no real image answer comes near this; a runaway body stops here
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504, 529})
NOT_RESENT = "not sent again, as the provider may have accepted it and would bill it twice"
# A pooled connection idle this long may have been dropped by the far end without our seeing it
# (a frozen Lambda sandbox keeps its sockets); a paid request, which is not re-sent when its
# connection breaks, then goes out on a new one instead.
STALE_AFTER = 15.0
# Every wait between attempts goes through here, so tests see the delays without sleeping them.
sleep: Callable[[float], None] = time.sleep

_local = threading.local()


@dataclass(frozen=True)
class RetryPolicy:
    """Which failed attempts of one call may be sent again.

    A connection that was never made is always retried: nothing reached the provider.
    """

    statuses: frozenset[int]  # answers after which the request is sent again
    server_errors: bool = False  # also every 5xx
    resend_after_sent: bool = False  # also a read timeout / dropped connection (free calls only)
    should_retry_header: bool = False  # obey x-should-retry: true|false (OpenAI's servers)

    def allows(self, response: requests.Response) -> bool:
        if self.should_retry_header:
            header = response.headers.get("x-should-retry")
            if header in ("true", "false"):
                return header == "true"
        status = response.status_code
        return status in self.statuses or (self.server_errors and status >= 500)


# GETs cost nothing twice: every transient failure is worth another try.
IDEMPOTENT = RetryPolicy(RETRYABLE_STATUS, server_errors=True, resend_after_sent=True)
# A paid POST whose vendor documents nothing more: only a 429 surely was not processed.
PAID = RetryPolicy(frozenset({429}))


@dataclass(frozen=True)
class Caller:
    """Who is calling, for error sentences: the provider's name and the key's parameter name."""

    name: str  # e.g. "OpenAI"
    key_label: str = "this model's key (its ModelNKey parameter)"
    secret: str = ""  # scrubbed from every message


# A provider's own reading of an error response; None falls back to the generic mapping.
Classifier = Callable[[requests.Response, Caller], ProviderError | None]


def session() -> requests.Session:
    """A Session per thread: Session is not documented as thread-safe, its pool is reused."""
    current = getattr(_local, "session", None)
    if current is None:
        current = requests.Session()
        adapter = HTTPAdapter(pool_connections=8, pool_maxsize=POOL_SIZE, max_retries=0)
        current.mount("https://", adapter)
        current.mount("http://", adapter)
        _local.session = current
    return current


def drop_idle_connections() -> None:
    """Close this thread's pooled connections if none was used for STALE_AFTER seconds."""
    last = getattr(_local, "last_used", None)
    if last is not None and time.monotonic() - last > STALE_AFTER:
        session().close()  # the adapters stay mounted; their pools refill on demand


def send(
    method: str,
    url: str,
    *,
    who: Caller,
    deadline: float,
    classify: Classifier | None = None,
    attempts: int = MAX_ATTEMPTS,
    retry: RetryPolicy | None = None,
    **kwargs: Any,
) -> requests.Response:
    """Send with retries; return a 2xx response or raise ProviderError.

    `retry` defaults to IDEMPOTENT for GET and to PAID for everything else.
    """
    policy = retry or (IDEMPOTENT if method.upper() == "GET" else PAID)
    started = time.monotonic()
    last: ProviderError | None = None
    for attempt in range(attempts):
        if deadline <= time.monotonic():
            raise timed_out(who, started)
        outcome = _attempt(method, url, who, deadline, classify, policy, kwargs, started)
        if isinstance(outcome, requests.Response):
            return outcome
        last = outcome
        if not last.retryable:
            raise last
        if attempt + 1 == attempts:
            break
        delay = backoff(attempt) if last.retry_after is None else last.retry_after
        if time.monotonic() + delay >= deadline:
            raise out_of_time(last, who, started, delay)
        log.info(
            "retrying %s in %.2f s after %s (attempt %d of %d)",
            who.name,
            delay,
            last.code,
            attempt + 1,
            attempts,
        )
        sleep(delay)
    assert last is not None
    raise exhausted(last, who, attempts)


def _attempt(
    method: str,
    url: str,
    who: Caller,
    deadline: float,
    classify: Classifier | None,
    policy: RetryPolicy,
    kwargs: dict[str, Any],
    started: float,
) -> requests.Response | ProviderError:
    """One request: the 2xx response, or the error it came to (its `retryable` says if worth
    another try under `policy`)."""
    if not policy.resend_after_sent:
        drop_idle_connections()
    remaining = deadline - time.monotonic()
    try:
        response = session().request(
            method, url, timeout=(min(CONNECT_TIMEOUT, remaining), remaining), stream=True, **kwargs
        )
        read_body(response, deadline, who)
    except requests.ConnectionError as exc:  # ConnectTimeout is both; it lands here
        return connection_error(exc, who, policy, started)
    except requests.Timeout:  # a read timeout: the request was out, maybe accepted
        error = timed_out(who, started)
        error.retryable = policy.resend_after_sent
        return error
    except requests.exceptions.InvalidHeader as exc:  # never sent: nothing to bill
        return unsendable(exc, who, in_header=True)
    except ValueError as exc:  # http.client refusing a header value, an unencodable URL, ...
        return unsendable(exc, who, in_header=False)
    finally:
        _local.last_used = time.monotonic()
    if response.ok:
        return response
    return response_error(response, who, classify, policy)


def connection_error(
    exc: requests.ConnectionError, who: Caller, policy: RetryPolicy, started: float
) -> ProviderError:
    """A connection never made is retried; one that dropped after sending only if free."""
    if never_sent(exc):
        if isinstance(exc, requests.ConnectTimeout):
            error = timed_out(who, started)
            error.retryable = True
            return error
        return ProviderError(
            f"the connection to {who.name} failed ({type(exc).__name__})",
            code=ProviderError.UPSTREAM,
            retryable=True,
        )
    if policy.resend_after_sent:
        return ProviderError(
            f"the connection to {who.name} failed ({type(exc).__name__})",
            code=ProviderError.UPSTREAM,
            retryable=True,
        )
    return ProviderError(
        f"the connection to {who.name} dropped after the request was sent; {NOT_RESENT}",
        code=ProviderError.UPSTREAM,
    )


def never_sent(exc: requests.ConnectionError) -> bool:
    """True when the request surely did not reach the provider: refused, unresolvable, timed
    out while connecting (urllib3's NewConnectionError is a ConnectTimeoutError) or failed in
    the TLS handshake, which comes before any byte of the request."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return True
    cause = exc.args[0] if exc.args else None
    reason = getattr(cause, "reason", cause)  # urllib3's MaxRetryError wraps the cause
    return isinstance(reason, ConnectTimeoutError)


def unsendable(exc: Exception, who: Caller, *, in_header: bool) -> ProviderError:
    """The request could not even be built -- almost always a key with a stray character.

    Only the exception's type is kept, never its text: requests' InvalidHeader quotes the
    header value and http.client's "Invalid header value %r" does too, so str(exc) would put
    the API key into a log line or a result card. The exception is not chained either (the
    caller returns this error; nothing re-raises `exc`), so no traceback carries it.
    """
    if in_header:
        return ProviderError(
            f"the request to {who.name} could not be sent ({type(exc).__name__}): "
            f"{who.key_label} holds a character an HTTP header cannot carry",
            code=ProviderError.AUTH,
        )
    return ProviderError(
        f"the request to {who.name} could not be built ({type(exc).__name__}); "
        f"check {who.key_label} for stray characters"
    )


def backoff(attempt: int) -> float:
    """Exponential backoff with full jitter (AWS architecture blog's recommendation)."""
    return random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt))


def timed_out(who: Caller, started: float) -> ProviderError:
    elapsed = time.monotonic() - started
    return ProviderError(
        f"{who.name} timed out after {seconds(elapsed)}", code=ProviderError.TIMEOUT
    )


def out_of_time(last: ProviderError, who: Caller, started: float, delay: float) -> ProviderError:
    """The next retry would pass the deadline: say what happened and why we stopped."""
    if last.code == ProviderError.TIMEOUT:
        return timed_out(who, started)
    if last.code == ProviderError.RATE_LIMITED:
        return ProviderError(
            f"rate limited by {who.name}: it asked to retry after {seconds(delay)}, "
            "which is past this model's time limit",
            code=ProviderError.RATE_LIMITED,
            retry_after=last.retry_after,
        )
    return ProviderError(
        f"{last.message}; no time left to retry", code=last.code, retry_after=last.retry_after
    )


def exhausted(last: ProviderError, who: Caller, attempts: int) -> ProviderError:
    if last.code == ProviderError.RATE_LIMITED:
        message = f"rate limited by {who.name} after {attempts} attempts"
    else:
        message = f"{last.message}; gave up after {attempts} attempts"
    return ProviderError(message, code=last.code, retry_after=last.retry_after)


def read_body(response: requests.Response, deadline: float, who: Caller) -> None:
    """Read the whole body before the deadline.

    requests' read timeout bounds each socket read, not the total, so a provider trickling
    bytes could hold the model past its deadline: read in pieces as they arrive (read1) and
    shrink the socket's timeout to the time left before each piece.
    """
    raw = response.raw
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise requests.Timeout("the body did not arrive before the deadline")
            _limit_socket(raw, remaining)
            chunk = _read_piece(raw)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_BODY:
                raise ProviderError(
                    f"{who.name} returned more than {MAX_BODY // 2**20} MB",
                    code=ProviderError.BAD_RESPONSE,
                )
            chunks.append(chunk)
    except (ReadTimeoutError, TimeoutError) as exc:
        raise requests.Timeout(str(exc)) from None
    except (ProtocolError, DecodeError, OSError) as exc:
        raise requests.ConnectionError(str(exc)) from None
    finally:
        response.close()
    # requests keeps a read body in _content; setting it makes .content/.json()/.text work
    # exactly as for a response that was not streamed.
    response._content = b"".join(chunks)


def _read_piece(raw: Any) -> bytes:
    read1 = getattr(raw, "read1", None)  # urllib3 >= 2.3: returns what has arrived
    if read1 is not None:
        return read1(CHUNK, decode_content=True)
    return raw.read(CHUNK, decode_content=True)


def _limit_socket(raw: Any, seconds: float) -> None:
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(seconds)


def response_error(
    response: requests.Response,
    who: Caller,
    classify: Classifier | None,
    policy: RetryPolicy = IDEMPOTENT,
) -> ProviderError:
    """Turn a non-2xx response into a ProviderError; `retryable` says whether to try again,
    which only the policy may allow (a classifier can refuse a retry, never add one)."""
    allowed = policy.allows(response)
    if classify is not None:
        specific = classify(response, who)
        if specific is not None:
            specific.message = scrub(specific.message, who)
            specific.args = (specific.message,)
            specific.retryable = specific.retryable and allowed
            return specific
    status = response.status_code
    detail = scrub(error_detail(response), who)
    if status in RETRYABLE_STATUS or allowed:
        code = ProviderError.RATE_LIMITED if status == 429 else ProviderError.UPSTREAM
        label = "rate limited" if status == 429 else "failed"
        suffix = "" if allowed else f"; {NOT_RESENT}"
        return ProviderError(
            f"{who.name} {label} (HTTP {status}){': ' + detail if detail else ''}{suffix}",
            code=code,
            retryable=allowed,
            retry_after=retry_after(response),
        )
    return refusal(status, detail, who)


def refusal(status: int, detail: str, who: Caller) -> ProviderError:
    """A 4xx: the provider refused; retrying would not help."""
    if status == 401:
        # The provider's own 401 text may echo part of the key: leave it out.
        return ProviderError(
            f"{who.name} refused the API key (401): check {who.key_label}", code=ProviderError.AUTH
        )
    suffix = f": {detail}" if detail else ""
    if status == 403:
        return ProviderError(
            f"{who.name} denied access (403){suffix}; check that {who.key_label} may use "
            "this model",
            code=ProviderError.AUTH,
        )
    if status == 402:
        return ProviderError(
            f"{who.name} says the account has no credits left (402){suffix}",
            code=ProviderError.UPSTREAM,
        )
    if status == 404:
        return ProviderError(
            f"{who.name} does not know this model or endpoint (404){suffix}",
            code=ProviderError.UNKNOWN_MODEL,
        )
    return ProviderError(f"{who.name} rejected the request ({status}){suffix}")


def retry_after(response: requests.Response) -> float | None:
    """Seconds to wait: retry-after-ms (OpenAI sends it; openai-python 3.51.0
    `_parse_retry_after_header` prefers it over Retry-After), Retry-After (seconds or
    HTTP-date), or Gemini's RetryInfo."""
    millis = response.headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    header = response.headers.get("Retry-After")
    if header:
        parsed = parse_retry_after(header)
        if parsed is not None:
            return parsed
    return gemini_retry_delay(response)


def parse_retry_after(value: str) -> float | None:
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def gemini_retry_delay(response: requests.Response) -> float | None:
    body = parse_json(response)
    error = body.get("error") if isinstance(body, dict) else None
    details = error.get("details") if isinstance(error, dict) else None
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("rpc.RetryInfo"):
            delay = str(detail.get("retryDelay", "")).strip()
            if delay.endswith("s"):
                try:
                    return max(0.0, float(delay[:-1]))
                except ValueError:
                    return None
    return None


def parse_json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def error_detail(response: requests.Response, limit: int = 300) -> str:
    """The provider's own words from its error envelope, shortened for the user."""
    body = parse_json(response)
    text = _message_from(body) if body is not None else response.text.strip()
    text = " ".join(str(text or "").split())
    return text[:limit] + ("…" if len(text) > limit else "")


def _message_from(body: Any) -> str:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error.get("code") or "")
        for key in ("message", "detail", "errors", "error", "name"):
            value = body.get(key)
            if value:
                return _message_from(value)
        return ""
    if isinstance(body, list):
        return "; ".join(_message_from(item) for item in body[:3])
    return str(body)


def scrub(text: str, who: Caller) -> str:
    """Every form of the caller's key out of `text` (pixelprompt.scrub knows the forms)."""
    return scrub_secrets(text, [who.secret])


def seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 10 else f"{value:.0f} s"


def json_body(response: requests.Response, who: Caller) -> dict[str, Any]:
    """The response as a JSON object, or a BAD_RESPONSE error saying it was not one."""
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ProviderError(
            f"{who.name} returned a malformed response (not a JSON object)",
            code=ProviderError.BAD_RESPONSE,
        )
    return body
