"""No provider key leaves the stack: a full local run, everything captured, every key searched.

Distinctive fake keys go into the parameters file. Then a whole session is played over HTTP --
jobs (one provider refusing its key with a 401), status, enhance (succeeding and failing),
galleries, a client log report, bad requests -- and the run is stopped with SIGINT. The process
output (deploy table, outputs table, function logs), the outputs file and every HTTP response
(status line, headers, body) are searched for each key and for its random core.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from tests.hardening._localstack import local_stack, parameters

pytestmark = pytest.mark.e2e

PROVIDERS = ["openai", "bfl", "stability", "recraft", "google"]
CORES = {p: f"PPCSECRET{secrets.token_hex(10).upper()}" for p in PROVIDERS}
KEYS = {p: f"sk-{p}-{core}" for p, core in CORES.items()}
MODELS = [
    ("openai/gpt-image-2", KEYS["openai"]),
    ("bfl/flux-pro-1.1", KEYS["bfl"]),
    ("stability/sd3.5-large", KEYS["stability"]),
    ("recraft/recraftv3", KEYS["recraft"]),
    ("google/gemini-2.5-flash-image", KEYS["google"]),
    ("bedrock/amazon.nova-canvas-v1:0", ""),
]


def test_no_key_appears_anywhere_during_a_full_run(tmp_path: Path) -> None:
    with local_stack(parameters(MODELS, ip_limit=50, global_limit=100), tmp_path) as stack:
        stack.control("POST", "/_control/latency", {"seconds": 0.05})
        stack.control("DELETE", "/_control/faults")

        # a job where every provider answers, then one where OpenAI refuses its key
        first = stack.call(
            "POST",
            "/generate",
            {"prompt": "a map of the secret garden"},
            headers={"X-Correlation-ID": "secrets-run-1"},
        )
        assert first.status == 202, first
        done = stack.wait_terminal(first.json()["jobId"], within_s=60)
        assert done["status"] == "completed", done
        enhanced = stack.call("POST", "/enhance", {"prompt": "a key"})
        assert enhanced.status == 200, enhanced

        stack.control("POST", "/_control/faults", {"provider": "openai", "mode": "401"})
        second = stack.call("POST", "/generate", {"prompt": "a locked door"})
        assert second.status == 202, second
        refused = stack.wait_terminal(second.json()["jobId"], within_s=60)
        openai = next(r for r in refused["results"] if r["model"] == "openai/gpt-image-2")
        assert openai["status"] == "error" and openai.get("errorCode") == "AUTH", openai
        failed_enhance = stack.call("POST", "/enhance", {"prompt": "a key"})
        assert failed_enhance.status == 502, failed_enhance
        stack.control("DELETE", "/_control/faults")

        galleries = stack.call("GET", "/gallery/list")
        assert galleries.status == 200 and galleries.json()["galleries"], galleries
        gallery_id = galleries.json()["galleries"][0]["id"]
        assert stack.call("GET", f"/gallery/{gallery_id}").status == 200
        assert stack.call("POST", "/log", {"level": "error", "message": "img failed"}).status == 204
        assert stack.call("POST", "/generate", b"{not json").status == 400
        assert stack.call("GET", "/status/not-a-uuid").status == 400
        assert stack.call("GET", "/nowhere").status == 404

        stack.stop_and_check()
    captured = stack.everything()  # after the with: the output reader has seen EOF

    # The capture holds the run: the outputs table, the function's own log lines, the answers.
    process_output = "".join(stack.output_lines)
    assert "LocalApiEndpoint" in process_output and "secrets-run-1" in process_output
    assert "a locked door" in captured and "jobId" in captured
    for provider, key in KEYS.items():
        assert key not in captured, f"{provider}'s key leaked"
        assert CORES[provider] not in captured, f"part of {provider}'s key leaked"
