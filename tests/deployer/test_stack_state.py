"""The stack's state first: failed first creates recreated, rollbacks explained, waits."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from deployer.errors import USAGE, DeployError
from deployer.pipeline import Deployer
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

FN = "AWS::Lambda::Function"
CFN = "AWS::CloudFormation::Stack"
GONE = "Stack with id {} does not exist"


def deployer_with(stub_setup, *, yes: bool = True):  # type: ignore[no-untyped-def]
    cf = boto3.client("cloudformation", region_name="us-east-1")
    stub = Stubber(cf)
    stub_setup(stub)
    ui, console = recording_ui(yes=yes)
    return Deployer(FakeFactory(cloudformation=cf), ui, sleep=lambda s: None), stub, console


def newest_first(*events: dict) -> dict:
    return {"StackEvents": list(reversed(events))}


FAILED_FIRST_CREATE = [
    event(1, STACK, CFN, "CREATE_IN_PROGRESS", "User Initiated"),
    event(2, "GeneratorFunction", FN, "CREATE_FAILED", "Runtime python3.99 is not supported"),
    event(3, STACK, CFN, "ROLLBACK_COMPLETE"),
]


def test_rollback_complete_is_deleted_then_created_again() -> None:
    def setup(stub: Stubber) -> None:
        stub.add_response("describe_stacks", stack("ROLLBACK_COMPLETE"))
        stub.add_response("describe_stack_events", newest_first(*FAILED_FIRST_CREATE))
        stub.add_response("describe_stack_events", newest_first(*FAILED_FIRST_CREATE))
        stub.add_response("delete_stack", {})
        stub.add_response("describe_stacks", stack("DELETE_IN_PROGRESS"))
        stub.add_response("describe_stack_events", newest_first(*FAILED_FIRST_CREATE))
        stub.add_client_error(
            "describe_stacks", "ValidationError", GONE.format(STACK_ID), http_status_code=400
        )
        stub.add_response(
            "describe_stack_events",
            newest_first(*FAILED_FIRST_CREATE, event(4, STACK, CFN, "DELETE_COMPLETE")),
        )

    deployer, stub, console = deployer_with(setup)
    with stub:
        assert deployer.settle(STACK) is None  # gone: the deploy goes on with a CREATE
    stub.assert_no_pending_responses()
    shown = text_of(console)
    assert "ROLLBACK_COMPLETE: its first create failed" in shown
    assert "Earlier failure: GeneratorFunction (AWS::Lambda::Function) CREATE_FAILED" in shown


def test_recreating_needs_a_yes_when_there_is_no_terminal() -> None:
    def setup(stub: Stubber) -> None:
        stub.add_response("describe_stacks", stack("ROLLBACK_COMPLETE"))
        stub.add_response("describe_stack_events", newest_first(*FAILED_FIRST_CREATE))

    deployer, stub, _ = deployer_with(setup, yes=False)
    with stub, pytest.raises(DeployError) as caught:
        deployer.settle(STACK)
    assert caught.value.exit_code == USAGE and "--yes" in caught.value.render()


def test_update_rollback_failed_says_what_to_do() -> None:
    events = recorded("update_rollback_failed")

    def setup(stub: Stubber) -> None:
        stub.add_response("describe_stacks", stack("UPDATE_ROLLBACK_FAILED"))
        stub.add_response("describe_stack_events", newest_first(*events))

    deployer, stub, _ = deployer_with(setup)
    with stub, pytest.raises(DeployError) as caught:
        deployer.settle(STACK)
    message = caught.value.render()
    assert "UPDATE_ROLLBACK_FAILED" in message
    assert f"aws cloudformation continue-update-rollback --stack-name {STACK}" in message
    assert "the update failed at GeneratorFunction (AWS::Lambda::Function) UPDATE_FAILED" in message
    assert "Rate exceeded" in message
    assert (
        "the rollback failed at ImagesBucketPolicy (AWS::S3::BucketPolicy) UPDATE_FAILED: "
        "Access Denied" in message
    )


def test_an_operation_in_progress_is_waited_for() -> None:
    progress = event(1, "GeneratorFunction", FN, "UPDATE_IN_PROGRESS")
    done = event(2, STACK, CFN, "UPDATE_COMPLETE")

    def setup(stub: Stubber) -> None:
        stub.add_response("describe_stacks", stack("UPDATE_IN_PROGRESS"))
        stub.add_response("describe_stack_events", newest_first(progress))  # baseline
        stub.add_response("describe_stacks", stack("UPDATE_IN_PROGRESS"))
        stub.add_response("describe_stack_events", newest_first(progress))
        stub.add_response("describe_stacks", stack("UPDATE_COMPLETE"))
        stub.add_response("describe_stack_events", newest_first(progress, done))
        stub.add_response("describe_stacks", stack("UPDATE_COMPLETE"))

    deployer, stub, console = deployer_with(setup)
    with stub:
        info = deployer.settle(STACK)
    stub.assert_no_pending_responses()
    assert info is not None and info.status == "UPDATE_COMPLETE"
    assert "is UPDATE_IN_PROGRESS; waiting" in text_of(console)


def test_delete_says_the_image_bucket_is_kept_and_how_to_remove_it() -> None:
    outputs = [{"OutputKey": "S3BucketName", "OutputValue": "pp-images-abc"}]

    def setup(stub: Stubber) -> None:
        stub.add_response("describe_stacks", stack("UPDATE_COMPLETE", outputs=outputs))
        stub.add_response("describe_stack_events", newest_first())
        stub.add_response("delete_stack", {})
        stub.add_client_error(
            "describe_stacks", "ValidationError", GONE.format(STACK_ID), http_status_code=400
        )
        stub.add_response("describe_stack_events", newest_first())

    deployer, stub, console = deployer_with(setup)
    with stub:
        assert deployer.delete(STACK)
    shown = text_of(console)
    assert "pp-images-abc is retained by design" in shown
    assert "aws s3 rm s3://pp-images-abc --recursive" in shown
    assert "aws s3 rb s3://pp-images-abc" in shown


def test_every_documented_stack_status_has_a_state_and_an_unknown_one_raises() -> None:
    import botocore.session

    from deployer.stack import STACK_STATUSES, UnknownStackStatus, state_of

    model = botocore.session.get_session().get_service_model("cloudformation")
    documented = set(model.shape_for("StackStatus").enum)
    assert set().union(*STACK_STATUSES.values()) == documented
    for status in documented:
        state_of(status)
    with pytest.raises(UnknownStackStatus) as caught:
        state_of("UPDATE_SOMETHING_NEW")
    assert "UPDATE_SOMETHING_NEW" in caught.value.message
