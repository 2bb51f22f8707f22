"""The simulator's lifecycle and its controls, in Python and over /_control/."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from local.simulator import ProviderSimulator

KEY = {"Authorization": "Bearer sk-test"}
IMAGES = "/openai/v1/images/generations"
BODY = {"model": "gpt-image-2", "prompt": "a fox"}


def _generate(sim: ProviderSimulator, http: requests.Session) -> requests.Response:
    return http.post(f"{sim.url}{IMAGES}", headers=KEY, json=BODY, timeout=10)


def test_env_points_every_adapter_at_the_simulator(sim: ProviderSimulator) -> None:
    assert sim.url.startswith("http://127.0.0.1:")
    assert sim.env() == {
        "OPENAI_BASE_URL": f"{sim.url}/openai/v1",
        "BFL_BASE_URL": f"{sim.url}/bfl/v1",
        "STABILITY_BASE_URL": f"{sim.url}/stability",
        "RECRAFT_BASE_URL": f"{sim.url}/recraft/v1",
        "GEMINI_BASE_URL": f"{sim.url}/gemini/v1beta",
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": sim.url,
        "AWS_ENDPOINT_URL_BEDROCK": sim.url,  # the preflight's GetFoundationModel
    }


def test_only_the_loopback_interface_is_allowed() -> None:
    with pytest.raises(ValueError, match="loopback"):
        ProviderSimulator(host="0.0.0.0")


def test_stop_frees_the_port_and_can_be_called_twice() -> None:
    sim = ProviderSimulator().start()
    url = sim.url
    assert requests.get(f"{url}/_control/health", timeout=5).json() == {"ok": True}
    sim.stop()
    sim.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/_control/health", timeout=2)


def test_a_fault_with_a_count_affects_that_many_requests(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    sim.set_fault("openai", "500", count=2)
    assert [_generate(sim, http).status_code for _ in range(3)] == [500, 500, 200]


def test_a_fault_without_a_count_lasts_until_cleared(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    sim.set_fault("openai", "500")
    assert [_generate(sim, http).status_code for _ in range(3)] == [500, 500, 500]
    sim.clear_faults()
    assert _generate(sim, http).status_code == 200


def test_the_star_fault_applies_to_every_provider_unless_one_has_its_own(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    sim.set_fault("*", "500")
    sim.set_fault("openai", "429", retry_after=2)
    gemini = http.post(
        f"{sim.url}/gemini/v1beta/models/gemini-3.6-flash:generateContent",
        headers={"x-goog-api-key": "k"},
        json={"contents": [{"parts": [{"text": "hi"}]}]},
        timeout=5,
    )
    openai = _generate(sim, http)
    assert gemini.status_code == 500
    assert (openai.status_code, openai.headers["Retry-After"]) == (429, "2")


@pytest.mark.parametrize(
    "body",
    [
        {"provider": "midjourney", "mode": "500"},
        {"provider": "openai", "mode": "teapot"},
        {"provider": "openai", "mode": "500", "count": 0},
        {"provider": "openai", "mode": "latency"},
        {"provider": "openai", "mode": "hang", "latency": 3600},
        {"provider": "openai", "mode": "500", "colour": "red"},
        {"mode": "500"},
    ],
)
def test_control_refuses_a_bad_fault_with_400(
    sim: ProviderSimulator, http: requests.Session, body: dict
) -> None:
    response = http.post(f"{sim.url}/_control/faults", json=body, timeout=5)
    assert response.status_code == 400
    assert response.json()["error"]
    assert http.get(f"{sim.url}/_control/faults", timeout=5).json() == {"faults": {}}


def test_control_sets_and_clears_faults_over_http(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    body = {"provider": "openai", "mode": "429", "count": 1, "retry_after": 3}
    assert http.post(f"{sim.url}/_control/faults", json=body, timeout=5).status_code == 200
    limited = _generate(sim, http)
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "3")
    assert _generate(sim, http).status_code == 200
    http.post(f"{sim.url}/_control/faults", json={"provider": "*", "mode": "500"}, timeout=5)
    assert http.delete(f"{sim.url}/_control/faults", timeout=5).status_code == 200
    assert _generate(sim, http).status_code == 200


def test_control_lists_the_requests_made(sim: ProviderSimulator, http: requests.Session) -> None:
    _generate(sim, http)
    listed = http.get(f"{sim.url}/_control/requests", timeout=5).json()["requests"]
    assert listed == [{"provider": "openai", "path": IMAGES, "method": "POST"}]
    assert sim.requests == [("openai", IMAGES, "POST")]


def test_control_latency_delays_every_answer(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    assert http.post(f"{sim.url}/_control/latency", json={"seconds": 0.3}, timeout=5).ok
    started = time.monotonic()
    assert _generate(sim, http).status_code == 200
    assert time.monotonic() - started >= 0.3
    bad = http.post(f"{sim.url}/_control/latency", json={"seconds": "slow"}, timeout=5)
    assert bad.status_code == 400
    assert sim.latency == 0.3


def test_a_latency_fault_delays_only_its_provider(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    sim.set_fault("openai", "latency", count=1, latency=0.3)
    started = time.monotonic()
    assert _generate(sim, http).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_a_hang_is_bounded_and_ends_when_the_simulator_stops() -> None:
    sim = ProviderSimulator().start()
    sim.set_fault("openai", "hang", latency=30)
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(requests.post(f"{sim.url}{IMAGES}", headers=KEY, json=BODY, timeout=20))
        except requests.RequestException as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    # WHEN the simulator holds the request (bounded wait), and is stopped
    deadline = time.monotonic() + 10
    while not any(path == IMAGES for _, path, _ in sim.requests):
        assert time.monotonic() < deadline, "the simulator never received the request"
        time.sleep(0.01)
    assert caller.is_alive() and outcome == []  # it is hanging, not answered
    sim.stop()
    # THEN the caller is let go (long before its own 20 s timeout) without an answer
    caller.join(timeout=10)
    assert not caller.is_alive()
    assert isinstance(outcome[0], requests.ConnectionError)  # closed without an answer


def test_concurrent_requests_are_all_logged(sim: ProviderSimulator) -> None:
    def call() -> None:
        requests.post(f"{sim.url}{IMAGES}", headers=KEY, json=BODY, timeout=10)

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sim.requests.count(("openai", IMAGES, "POST")) == 20


def test_unknown_paths_are_404(sim: ProviderSimulator, http: requests.Session) -> None:
    assert http.get(f"{sim.url}/nowhere", timeout=5).status_code == 404
    assert http.get(f"{sim.url}/_control/nothing", timeout=5).status_code == 404
    assert sim.requests == []


def test_python_dash_m_simulator_prints_its_url_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "local.simulator", "--latency", "0"],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        url = json.loads(line)["url"]
        assert requests.get(f"{url}/_control/health", timeout=5).ok
        process.terminate()
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
