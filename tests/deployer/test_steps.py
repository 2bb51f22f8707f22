"""The deploy as a list of steps: the order, the plan, and how an outcome ends a run."""

from __future__ import annotations

from typing import Any

import pytest

from deployer.errors import DeployError
from deployer.pipeline import (
    DeployContext,
    DeployRequest,
    Outcome,
    Step,
    deploy_steps,
    plan_steps,
    replace,
    run_steps,
)


def test_a_deploy_reads_as_its_steps_in_order() -> None:
    assert [s.name for s in deploy_steps()] == [
        "validate", "package", "preflight", "settle", "compare", "ensure artifacts bucket",
        "upload", "change set", "confirm", "execute", "outputs", "publish site", "report",
    ]  # fmt: skip


def test_a_plan_is_the_same_steps_without_those_that_change_anything() -> None:
    plan = plan_steps()
    assert not any(s.executes for s in plan)
    assert [s.name for s in plan][-2:] == ["change set", "review"]
    kept = [s.name for s in deploy_steps() if not s.executes and not s.finishing]
    assert [s.name for s in plan][:-1] == kept


def _ctx() -> DeployContext:
    return DeployContext(DeployRequest(stack_name="s"), services=None)  # type: ignore[arg-type]


def _recording(name: str, ran: list[str], result: Any = None, **flags: bool) -> Step:
    def run(ctx: DeployContext) -> Any:
        ran.append(name)
        return result if result is not None else ctx

    return Step(name, run, **flags)


def test_a_live_outcome_runs_only_the_finishing_steps_after_it() -> None:
    ran: list[str] = []
    steps = [
        _recording("compare", ran, Outcome.UNCHANGED),
        _recording("upload", ran),
        _recording("report", ran, finishing=True),
    ]
    result = run_steps(steps, _ctx())
    assert result.outcome is Outcome.UNCHANGED and ran == ["compare", "report"]


def test_an_outcome_without_a_live_stack_stops_the_run() -> None:
    ran: list[str] = []
    steps = [
        _recording("confirm", ran, Outcome.DECLINED),
        _recording("report", ran, finishing=True),
    ]
    assert run_steps(steps, _ctx()).outcome is Outcome.DECLINED and ran == ["confirm"]


def test_steps_that_end_without_an_outcome_are_a_wiring_error() -> None:
    with pytest.raises(DeployError, match="without an outcome"):
        run_steps([_recording("validate", [])], _ctx())


def test_a_composition_replaces_a_step_by_name() -> None:
    new = Step("preflight", lambda ctx: ctx)
    steps = replace(deploy_steps(), "preflight", new)
    assert steps[2] is new and len(steps) == len(deploy_steps())
    with pytest.raises(ValueError):
        replace(deploy_steps(), "nothing like it", new)
