"""A provider simulator on 127.0.0.1 that speaks each image provider's wire protocol.

Usage: `with ProviderSimulator(latency=0.5) as sim:`, then `os.environ.update(sim.env())` and,
to make a provider fail, `sim.set_fault("bfl", "429", count=1, retry_after=1)`.

Providers: openai, bfl, stability, recraft, google, bedrock, or "*" for all. Fault modes: 401,
429 (Retry-After, or RetryInfo for Gemini), 500, moderation (the provider's refusal), block200
(a block inside an HTTP 200), malformed (a body that is not an image, or not JSON), hang (no
answer for `latency` seconds, at most 60, then the connection closes), latency (extra delay),
revoked (the key was revoked: every call, the key check included, is refused),
drop-after-accept (the request is served, a BFL task created, then the connection closes
without the answer).

Models: only ids the provider registry's lifecycle table holds as active or legacy today are
served; any other id gets the provider's own "no such model" answer. The key-check and
model-lookup endpoints the deploy preflight calls are served too (see probes.py).

`count` faults that many requests; absent, the fault lasts until cleared.

The same controls over HTTP, for the local run and browser tests:
- POST /_control/faults {"provider", "mode", "count"?, "retry_after"?, "latency"?}
- DELETE /_control/faults, GET /_control/faults
- GET /_control/requests, DELETE /_control/requests
- POST /_control/latency {"seconds": x}, GET /_control/latency, GET /_control/health

`python -m simulator --port 0 --latency 1` runs it alone and prints its URL and env as JSON.
"""

from __future__ import annotations

from .drawing import draw
from .faults import MODES, PROVIDERS
from .server import ProviderSimulator

__all__ = ["MODES", "PROVIDERS", "ProviderSimulator", "draw"]
