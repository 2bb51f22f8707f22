"""The AWS stage against a moto server with a small template: every branch of a deploy."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from deployer import pipeline
from deployer import template as template_mod
from deployer.aws import Target, make_factory
from deployer.build import Prepared, prepare
from deployer.packager import Package
from deployer.pipeline import Deployer, DeployRequest
from tests.deployer._support import recording_ui, small_params, small_template, text_of, write_json

STACK = "pp-pipeline"
# The local AWS takes any keys; given here, so no test depends on the environment of another.
LOCAL_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, built_package: Package) -> Prepared:
    path = write_json(tmp_path_factory.mktemp("p") / "p.json", small_params())
    ui, _ = recording_ui()
    return prepare(path, ui, source=lambda: json.dumps(small_template()))


@pytest.fixture()
def client(moto_endpoint: str) -> Any:
    def make(service: str) -> Any:
        return boto3.client(service, endpoint_url=moto_endpoint, region_name="us-east-1")

    return make


def run(endpoint: str, prepared: Prepared, **request: Any) -> tuple[Any, str]:
    ui, console = recording_ui()
    factory = make_factory(
        Target(region="us-east-1", endpoint_url=endpoint, access_keys=LOCAL_KEYS)
    )
    result = Deployer(factory, ui, sleep=lambda s: None).deploy(
        prepared, DeployRequest(stack_name=request.pop("stack_name", STACK), **request)
    )
    return result, text_of(console)


@pytest.fixture(scope="module")
def created(moto_endpoint: str, prepared: Prepared) -> Iterator[tuple[Any, str]]:
    """One stack for the tests that only read it."""
    yield run(moto_endpoint, prepared)


@pytest.fixture()
def own_stack(moto_endpoint: str, prepared: Prepared) -> str:
    """A freshly created stack for one test that changes it: no test sees another's update."""
    name = f"pp-{uuid.uuid4().hex[:10]}"
    result, _ = run(moto_endpoint, prepared, stack_name=name)
    assert result.outcome == "created"
    return name


def test_create_makes_the_stack_and_returns_its_outputs(created: tuple[Any, str]) -> None:
    result, shown = created
    assert result.outcome == "created"
    assert set(result.outputs) == {"FunctionName", "QueueUrl"}
    assert result.descriptions["QueueUrl"] == "The queue"
    assert "Add" in shown and "AWS::Lambda::Function" in shown  # the change set table
    assert "sk-very-secret-value" not in shown


def test_the_artifacts_bucket_is_locked_down(
    created: tuple[Any, str], client: Any, prepared: Prepared
) -> None:
    s3 = client("s3")
    bucket = "pixel-prompt-artifacts-123456789012-us-east-1"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert {r["Filter"]["Prefix"] for r in lifecycle} == {"lambda/", "templates/"}
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert f"lambda/{prepared.package.sha256}.zip" in keys


def test_the_tls_only_policy_denies_plain_http() -> None:
    from deployer.artifacts import tls_only_policy

    statement = tls_only_policy("b")["Statement"][0]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def outputs_of(client: Any, stack: str) -> dict[str, str]:
    described = client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}


def test_an_unchanged_redeploy_skips_upload_and_change_set(
    own_stack: str,
    client: Any,
    moto_endpoint: str,
    prepared: Prepared,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    real = pipeline.changeset.create
    monkeypatch.setattr(
        pipeline.changeset, "create", lambda *a, **k: calls.append("change") or real(*a, **k)
    )
    result, shown = run(moto_endpoint, prepared, stack_name=own_stack)
    assert result.outcome == "unchanged" and calls == []
    assert "No changes" in shown and "Uploaded" not in shown
    assert result.outputs == outputs_of(client, own_stack)


def test_force_makes_a_change_set_and_an_empty_one_is_no_changes(
    own_stack: str, moto_endpoint: str, prepared: Prepared, client: Any
) -> None:
    result, shown = run(moto_endpoint, prepared, stack_name=own_stack, force=True)
    assert result.outcome == "no-changes"
    assert "CloudFormation found nothing to update" in shown
    assert "not uploaded again" in shown
    change_sets = client("cloudformation").list_change_sets(StackName=own_stack)["Summaries"]
    pending = [c for c in change_sets if c["ExecutionStatus"] != "EXECUTE_COMPLETE"]
    assert pending == []  # the empty change set was deleted


def test_a_new_key_is_an_update_though_describe_stacks_hides_it(
    own_stack: str, moto_endpoint: str, prepared: Prepared
) -> None:
    changed = Prepared(
        prepared.template,
        prepared.specs,
        prepared.params.with_values(Model1Key="sk-a-rotated-key"),
        prepared.package,
    )
    result, shown = run(moto_endpoint, changed, stack_name=own_stack)
    assert result.outcome == "updated"
    assert "sk-a-rotated-key" not in shown
    assert "NoEcho parameters (API keys)" in shown and "changed (values hidden)" in shown
    again, _ = run(moto_endpoint, changed, stack_name=own_stack)
    assert again.outcome == "unchanged"


def test_new_code_uploads_one_artifact_and_updates_the_function(
    own_stack: str, moto_endpoint: str, prepared: Prepared, client: Any, tmp_path: Path
) -> None:
    zip_path = tmp_path / "new.zip"
    zip_path.write_bytes(prepared.package.path.read_bytes()[:-22] + b"\0" * 22)  # other bytes
    from deployer.packager import _sha256_file

    package = Package(zip_path, _sha256_file(zip_path), zip_path.stat().st_size, 1)
    changed = Prepared(prepared.template, prepared.specs, prepared.params, package)
    result, shown = run(moto_endpoint, changed, stack_name=own_stack)
    assert result.outcome == "updated"
    assert shown.count("Uploaded the code") == 1
    stack = client("cloudformation").describe_stacks(StackName=own_stack)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    code_key = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["CodeKey"]
    assert code_key == f"lambda/{package.sha256}.zip"


def test_no_execute_leaves_a_change_set_to_review(
    moto_endpoint: str, prepared: Prepared, client: Any
) -> None:
    result, shown = run(moto_endpoint, prepared, stack_name="pp-review", execute=False)
    assert result.outcome == "not-executed"
    assert "aws cloudformation execute-change-set --change-set-name" in shown
    stack = client("cloudformation").describe_stacks(StackName="pp-review")["Stacks"][0]
    assert stack["StackStatus"] == "REVIEW_IN_PROGRESS"
    # the next deploy finds the never-created stack, deletes it and creates it for real
    again, shown = run(moto_endpoint, prepared, stack_name="pp-review")
    assert again.outcome == "created" and "REVIEW_IN_PROGRESS" in shown


def test_a_template_past_the_inline_limit_goes_through_the_bucket(
    moto_endpoint: str, prepared: Prepared, client: Any
) -> None:
    # GIVEN a template past CloudFormation's 51,200-byte TemplateBody limit, which the local
    # AWS refuses inline as CloudFormation does
    grown = {**prepared.template, "Metadata": {"Growth": "x" * template_mod.INLINE_LIMIT}}
    large = Prepared(grown, prepared.specs, prepared.params, prepared.package)
    # WHEN it is deployed
    result, _ = run(moto_endpoint, large, stack_name="pp-large")
    # THEN it was uploaded to the artifacts bucket and the stack runs exactly that body
    assert result.outcome == "created"
    s3, bucket = client("s3"), "pixel-prompt-artifacts-123456789012-us-east-1"
    (key,) = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="templates/")["Contents"]]
    uploaded = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert len(uploaded) > template_mod.INLINE_LIMIT
    deployed = client("cloudformation").get_template(StackName="pp-large")["TemplateBody"]
    as_text = deployed if isinstance(deployed, str) else json.dumps(deployed)
    assert json.loads(as_text)["Metadata"]["Growth"] == grown["Metadata"]["Growth"]
    assert json.loads(uploaded) == json.loads(as_text)


def test_delete_removes_the_stack(moto_endpoint: str, prepared: Prepared, client: Any) -> None:
    run(moto_endpoint, prepared, stack_name="pp-gone")
    ui, console = recording_ui()
    factory = make_factory(
        Target(region="us-east-1", endpoint_url=moto_endpoint, access_keys=LOCAL_KEYS)
    )
    assert Deployer(factory, ui, sleep=lambda s: None).delete("pp-gone")
    names = [s["StackName"] for s in client("cloudformation").list_stacks()["StackSummaries"]
             if s["StackStatus"] != "DELETE_COMPLETE"]  # fmt: skip
    assert "pp-gone" not in names
    assert "Deleted stack pp-gone" in text_of(console)


def test_changed_parameters_are_shown_old_and_new(
    own_stack: str, moto_endpoint: str, prepared: Prepared
) -> None:
    changed = Prepared(
        prepared.template,
        prepared.specs,
        prepared.params.with_values(Environment="prod"),
        prepared.package,
    )
    result, shown = run(moto_endpoint, changed, stack_name=own_stack, execute=False)
    assert result.outcome == "not-executed"
    row = next(line for line in shown.splitlines() if "Environment" in line)
    assert "dev" in row and "prod" in row
    assert "NoEcho parameters" not in shown  # the keys did not change
