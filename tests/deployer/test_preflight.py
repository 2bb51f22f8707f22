"""The preflight and the parameter check: every slot's key and model, before any AWS change."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from rich.console import Console

from deployer import cli, preflight
from deployer.errors import DeployError
from deployer.params import Parameters
from deployer.ui import UI
from local import deploy as local
from local.simulator import ProviderSimulator


@pytest.fixture(scope="module")
def simulator() -> Iterator[ProviderSimulator]:
    with ProviderSimulator() as sim:
        yield sim


@pytest.fixture
def sim(simulator: ProviderSimulator, monkeypatch: pytest.MonkeyPatch) -> ProviderSimulator:
    """--check --local and every deploy's preflight talk to this simulator (faults settable)."""
    simulator.clear_faults()

    @contextlib.contextmanager
    def context(region: str) -> Iterator[Any]:
        yield _context(simulator)

    monkeypatch.setattr(local, "simulator_context", context)
    return simulator


def _console() -> Console:
    return Console(record=True, width=200, file=io.StringIO())


def _example(repo_root: Path, tmp_path: Path, **changes: Any) -> Path:
    data = json.loads((repo_root / "parameters.example.json").read_text())
    data["Parameters"].update(changes)
    path = tmp_path / "params.json"
    path.write_text(json.dumps(data))
    return path


def test_the_example_files_nine_slots_pass_check_against_the_simulator(
    repo_root: Path, sim: ProviderSimulator
) -> None:
    console = _console()
    example = str(repo_root / "parameters.example.json")
    code = cli.main(["--params", example, "--check", "--local"], console, run_local=local.run_local)
    text = console.export_text()
    assert code == 0, text
    rows = [line for line in text.splitlines() if line.startswith("│ Model")]
    assert len(rows) == 10  # nine slots and the chat model /enhance calls
    assert all(("✓" in row or "IAM role" in row) and "active" in row for row in rows), text
    providers = {row.split("│")[2].strip().split("/")[0] for row in rows}
    assert providers == {"openai", "bfl", "stability", "recraft", "google", "bedrock"}


def test_a_revoked_key_is_a_cross_and_exit_2_with_no_aws_change(
    repo_root: Path, tmp_path: Path, sim: ProviderSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN BFL has revoked the key of slots 2 and 3
    sim.set_fault("bfl", "revoked")
    monkeypatch.setattr(local, "_local_aws_class", _no_aws)  # a --local deploy must not start
    console = _console()
    example = str(repo_root / "parameters.example.json")
    code = cli.main(["--params", example, "--check", "--local"], console, run_local=local.run_local)
    text = console.export_text()
    assert code == 2
    model2 = next(line for line in text.splitlines() if line.startswith("│ Model2 "))
    assert "✗" in model2 and "Model2Key: BFL refused the key (401)" in model2
    assert "REPLACE-WITH-YOUR-BFL-KEY" not in text  # never a key
    # AND a real --local deploy stops at the same preflight, before the local AWS starts
    assert cli.main(["--params", example, "--local"], _console(), run_local=local.run_local) == 2


def _no_aws() -> Any:
    raise AssertionError("an AWS endpoint was started or called")


@pytest.mark.parametrize("local_run", [False, True], ids=["deploy", "local"])
def test_parameter_check_refuses_a_shut_down_model_before_any_aws_call(
    repo_root: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    local_run: bool,
) -> None:
    path = _example(repo_root, tmp_path, Model7Name="google/gemini-2.5-flash-image")
    monkeypatch.setattr(cli, "make_factory", lambda *_: _no_aws())
    monkeypatch.setattr(local, "_local_aws_class", _no_aws)
    args = ["--params", str(path), "--region", "us-east-1", "--yes"]
    code = cli.main(
        [*args, "--local"] if local_run else args, _console(), run_local=local.run_local
    )
    assert code == 2
    assert (
        "Model7Name: Google Gemini shut gemini-2.5-flash-image down on 2026-10-02; "
        "use google/gemini-3.1-flash-image" in capsys.readouterr().err
    )


def test_a_friendly_name_of_a_shut_down_model_is_refused_naming_the_slot(
    repo_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _example(repo_root, tmp_path, Model8Name="Nova Canvas")
    argv = ["--params", str(path), "--check", "--local"]
    assert cli.main(argv, _console(), run_local=local.run_local) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "Model8Name: 'Nova Canvas' means bedrock/amazon.nova-canvas-v1:0" in err
    assert "use bedrock/stability.stable-image-core-v1:1" in err


def _values(**slots: str) -> Parameters:
    values = {"ModelCount": str(len(slots)), "PromptModelIndex": "1"}
    for n, name in enumerate(slots.values(), start=1):
        values[f"Model{n}Name"], values[f"Model{n}Key"] = name, f"key-{n}"
    return Parameters(values)


def _context(sim: ProviderSimulator, **env: str) -> Any:
    """Where the preflight's calls go: this simulator, fake AWS credentials."""
    probes = preflight.handler_module("pixelprompt.providers.probes")
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return probes.Context(env={**sim.env(), **env}, aws_session=session, region="us-east-1")


def test_a_model_the_provider_does_not_serve_is_a_problem_naming_the_slot(sim) -> None:
    rows = preflight.run(preflight.slots_of(_values(a="openai/gpt-image-9")), _context(sim))
    (row, _chat) = rows
    assert (row.slot, row.key, row.lifecycle, row.ok) == ("Model1", "✓", "not offered", False)
    assert row.change.startswith("Model1: OpenAI has no model gpt-image-9 for this key (404)")


def test_every_problem_is_listed_at_once(sim) -> None:
    sim.set_fault("google", "revoked")
    ui = UI(_console())
    values = _values(a="google/gemini-3.1-flash-image", b="openai/gpt-image-9", c="Flux")
    with pytest.raises(DeployError) as caught:
        preflight.check(values, ui, _context(sim))
    assert caught.value.exit_code == 2
    assert len(caught.value.problems) == 3  # Model1Key, Model1 /enhance's key, Model2
    assert any(p.startswith("Model2: OpenAI has no model") for p in caught.value.problems)


def test_an_unreachable_provider_is_not_verified_and_falls_back_to_the_table(sim) -> None:
    closed = "http://127.0.0.1:9/v1"  # nothing listens on the discard port
    context = _context(sim, OPENAI_BASE_URL=closed)
    rows = preflight.run(preflight.slots_of(_values(a="GPT Image")), context)
    row = rows[0]
    assert (row.key, row.ok, row.verified) == ("?", True, False)
    assert row.lifecycle.startswith("active (our table) (not verified: could not reach it")


def test_a_provider_that_hangs_is_cut_off_at_the_time_bound(sim) -> None:
    sim.set_fault("recraft", "hang", latency=5)
    rows = preflight.run(preflight.slots_of(_values(a="Recraft")), _context(sim), total_timeout=0.3)
    assert rows[0].ok and not rows[0].verified
    assert "no answer within 0.3 s" in rows[0].lifecycle


def test_a_legacy_model_passes_with_a_note_to_move() -> None:
    probes = preflight.handler_module("pixelprompt.providers.probes")
    registry = preflight.handler_module("pixelprompt.providers.registry")
    slot = preflight.Slot(1, "openai/gpt-4.1-mini", "k", enhance=True)
    spec = type("Spec", (), {"provider": "openai", "model_id": "gpt-4.1-mini"})()
    probe = probes.Probe(True, "legacy", shutdown_on="2027-01-14")
    row = preflight._row(slot, spec, registry.get("openai"), probe, registry.today())
    assert row.ok and row.lifecycle == "legacy, shuts down 2027-01-14"
    assert row.change == "move to openai/gpt-6-luna before it shuts down"


def test_check_and_skip_check_are_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["--params", "x.json", "--check", "--skip-check"], _console())
    assert caught.value.code == 2
