"""Preflight: the example file's slots checked against the simulator, in parallel and one by one.

Each provider call is given the same simulated latency, so the ratio shows what asking every
provider at once saves: the check should take about one call's time, not one per slot.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from unittest import mock

import boto3

from deployer import preflight
from deployer.params import Parameters
from local.simulator import ProviderSimulator

EXAMPLE = Path(__file__).resolve().parent.parent / "parameters.example.json"
LATENCY = 0.2  # seconds the simulator waits before each answer
RUNS = 3


def _values() -> Parameters:
    raw = json.loads(EXAMPLE.read_text())["Parameters"]
    return Parameters({k: str(v) for k, v in raw.items()})


def _seconds(parallel: int, context: object, slots: list[preflight.Slot]) -> float:
    times = []
    for _ in range(RUNS):
        with mock.patch.object(preflight, "MAX_PARALLEL", parallel):
            started = time.perf_counter()
            rows = preflight.run(slots, context)
            times.append(time.perf_counter() - started)
        assert all(row.ok and row.verified for row in rows), rows
    return statistics.median(times)


def run() -> list[tuple[str, str]]:
    slots = preflight.slots_of(_values())
    probes = preflight.handler_module("pixelprompt.providers.probes")
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    with ProviderSimulator(latency=LATENCY) as sim:
        context = probes.Context(env=sim.env(), aws_session=session, region="us-east-1")
        serial = _seconds(1, context, slots)
        parallel = _seconds(preflight.MAX_PARALLEL, context, slots)
    label = f"{len(slots)} slots, {LATENCY:g} s per provider answer, median of {RUNS}"
    return [
        (f"preflight one call at a time ({label})", f"{serial:.2f} s"),
        (f"preflight in parallel ({label})", f"{parallel:.2f} s"),
        ("parallel / one at a time", f"{parallel / serial:.2f}x"),
    ]
