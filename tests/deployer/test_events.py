"""Following a stack operation: only its events, plain or live, and the root cause on failure."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from deployer import changeset
from deployer.errors import DeployError
from deployer.events import EventFeed, Watcher, event_line, root_cause
from deployer.pipeline import DeployContext, Deployer, DeployRequest, execute_step
from tests.deployer._support import (
    STACK,
    STACK_ID,
    FakeFactory,
    event,
    recorded,
    recording_ui,
    stack,
    text_of,
)

TOKEN = "pixel-prompt-token"
FN = "AWS::Lambda::Function"
BUCKET = "AWS::S3::Bucket"
CFN = "AWS::CloudFormation::Stack"


def cf_client() -> tuple[object, Stubber]:
    client = boto3.client("cloudformation", region_name="us-east-1")
    return client, Stubber(client)


def events_newest_first(*events: dict) -> dict:
    return {"StackEvents": list(reversed(events))}


FAILED_CREATE = recorded("failed_create", token=TOKEN)


def test_root_cause_skips_cancellations_and_the_stack_itself() -> None:
    from deployer.events import StackEvent

    cancelled_first = [
        event(1, STACK, CFN, "CREATE_IN_PROGRESS", "User Initiated"),
        event(2, "ImagesBucket", BUCKET, "CREATE_FAILED", "Resource creation cancelled"),
        event(3, "GeneratorFunction", FN, "CREATE_FAILED", "Runtime python3.99 is not supported"),
        event(4, STACK, CFN, "ROLLBACK_COMPLETE", "The following resource(s) failed"),
    ]
    cause = root_cause([StackEvent.from_api(e) for e in cancelled_first])
    assert cause is not None
    assert (cause.logical_id, cause.resource_type) == ("GeneratorFunction", FN)


def test_root_cause_of_a_recorded_failed_create() -> None:
    from deployer.events import StackEvent

    cause = root_cause([StackEvent.from_api(e) for e in FAILED_CREATE])
    assert cause is not None
    assert (cause.logical_id, cause.resource_type) == ("GeneratorFunction", FN)
    assert "UnreservedConcurrentExecution below its minimum" in cause.reason


def test_a_failed_create_prints_the_root_cause_and_exits_1() -> None:
    cf, stub = cf_client()
    cs = changeset.ChangeSet(arn="arn:cs", name="cs", stack_id=STACK_ID, kind="CREATE")
    stub.add_response("describe_stack_events", events_newest_first())  # baseline: none yet
    stub.add_response("execute_change_set", {})
    stub.add_response("describe_stacks", stack("CREATE_IN_PROGRESS"))
    stub.add_response("describe_stack_events", events_newest_first(*FAILED_CREATE[:2]))
    stub.add_response(
        "describe_stacks", stack("ROLLBACK_COMPLETE", "The following resource(s) failed")
    )
    stub.add_response("describe_stack_events", events_newest_first(*FAILED_CREATE))
    ui, console = recording_ui()
    deployer = Deployer(FakeFactory(cloudformation=cf), ui, sleep=lambda s: None)
    deployer.new_token = lambda: TOKEN
    ctx = DeployContext(DeployRequest(stack_name="pixel-prompt-complete"), deployer.services)
    ctx.change_set = cs
    with stub, pytest.raises(DeployError) as caught:
        execute_step(ctx)
    stub.assert_no_pending_responses()
    message = caught.value.render()
    assert caught.value.exit_code == 1
    assert "Root cause: GeneratorFunction (AWS::Lambda::Function) CREATE_FAILED" in message
    assert "UnreservedConcurrentExecution below its minimum" in message
    shown = text_of(console)
    lines = [line for line in shown.splitlines() if line[:2].isdigit()]
    assert len(lines) == len(FAILED_CREATE)  # each event once, as plain lines
    assert "ROLLBACK_COMPLETE" in shown


def test_events_of_other_operations_are_not_shown() -> None:
    cf, stub = cf_client()
    older = event(1, "Old", FN, "UPDATE_COMPLETE", token="someone-else")
    ours = event(3, "GeneratorFunction", FN, "UPDATE_COMPLETE", token=TOKEN)
    theirs = event(4, "Other", FN, "UPDATE_IN_PROGRESS", token="someone-else")
    stub.add_response("describe_stack_events", events_newest_first(older))
    stub.add_response("describe_stack_events", events_newest_first(older, ours, theirs))
    with stub:
        feed = EventFeed.starting_now(cf, STACK_ID, TOKEN)
        fresh = feed.poll()
    assert [e.logical_id for e in fresh] == ["GeneratorFunction"]


def test_a_terminal_gets_a_live_table() -> None:
    cf, stub = cf_client()
    done = event(2, "GeneratorFunction", FN, "UPDATE_COMPLETE", token=TOKEN)
    stub.add_response("describe_stacks", stack("UPDATE_COMPLETE"))
    stub.add_response("describe_stack_events", events_newest_first(done))
    ui, console = recording_ui(terminal=True)
    with stub:
        final = Watcher(cf, ui, sleep=lambda s: None).wait(
            STACK_ID, EventFeed(cf, STACK_ID, TOKEN, None), "Update"
        )
    assert final is not None and final.status == "UPDATE_COMPLETE"
    shown = text_of(console)
    assert "┃ Resource" in shown and "GeneratorFunction" in shown


def test_plain_lines_carry_time_status_type_and_reason() -> None:
    from deployer.events import StackEvent

    line = event_line(StackEvent.from_api(FAILED_CREATE[5]))
    assert line.startswith("12:00:23  CREATE_FAILED")
    assert "AWS::Lambda::Function" in line and "GeneratorFunction" in line
