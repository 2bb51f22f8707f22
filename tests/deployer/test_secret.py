"""The real template deployed by the real pipeline: keys reach the secret and nothing else; an
unchanged redeploy skips everything; a changed key updates the secret and the keys version."""

from __future__ import annotations

import json
import secrets
from typing import Any

import boto3
import pytest

from deployer import secret
from deployer.aws import Target, make_factory
from deployer.build import Prepared, prepare
from deployer.packager import Package
from deployer.params import Parameters
from deployer.pipeline import Deployer, DeployRequest
from tests.deployer._support import recording_ui, text_of, write_json

STACK = "pp-secret"
CANARY = f"sk-CANARY{secrets.token_hex(12)}"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, built_package: Package) -> Prepared:
    values = {
        "ModelCount": 2,
        "Model1Name": "openai/gpt-image-2",
        "Model1Key": f"  {CANARY}\n",  # pasted with a stray space and newline
        "Model2Name": "bedrock/stability.stable-image-core-v1:1",
    }
    path = write_json(tmp_path_factory.mktemp("p") / "p.json", {"Parameters": values})
    ui, _ = recording_ui()
    return prepare(path, ui)


def deploy(endpoint: str, prepared: Prepared) -> tuple[Any, str]:
    ui, console = recording_ui()
    factory = make_factory(Target(region="us-east-1", endpoint_url=endpoint))
    result = Deployer(factory, ui, sleep=lambda s: None).deploy(
        prepared, DeployRequest(stack_name=STACK)
    )
    return result, text_of(console)


def with_key(prepared: Prepared, key: str) -> Prepared:
    return Prepared(
        prepared.template,
        prepared.specs,
        prepared.params.with_values(Model1Key=key),
        prepared.package,
    )


def client(endpoint: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")


def function_env(endpoint: str, outputs: dict[str, str]) -> dict[str, str]:
    config = client(endpoint, "lambda").get_function_configuration(
        FunctionName=outputs["FunctionName"]
    )
    assert CANARY not in json.dumps(config, default=str)
    return config["Environment"]["Variables"]


def stored(endpoint: str, env: dict[str, str]) -> dict[str, Any]:
    answer = client(endpoint, "secretsmanager").get_secret_value(
        SecretId=env["PROVIDER_SECRET_ARN"]
    )
    return json.loads(answer["SecretString"])


def test_keys_reach_only_the_secret_and_rotate_through_it(
    moto_endpoint: str, prepared: Prepared
) -> None:
    # GIVEN a first deploy
    first, shown = deploy(moto_endpoint, prepared)
    assert first.outcome == "created"
    env = function_env(moto_endpoint, first.outputs)
    doc = stored(moto_endpoint, env)
    # THEN the key (stripped) is in the secret, with a random salt; nowhere in what is shown
    assert doc["keys"]["1"] == CANARY and doc["keys"]["2"] == ""
    assert len(doc["rateLimitSalt"]) == 64
    cfn = client(moto_endpoint, "cloudformation")
    described = json.dumps(cfn.describe_stacks(StackName=STACK), default=str)
    template = json.dumps(cfn.get_template(StackName=STACK), default=str)
    for text in (shown, described, template, json.dumps(first.outputs)):
        assert CANARY not in text

    # WHEN the same file is deployed again THEN nothing is done
    again, shown = deploy(moto_endpoint, prepared)
    assert again.outcome == "unchanged", shown

    # WHEN one key changes THEN the secret and the keys version change, the salt stays
    rotated = f"sk-ROTATED{secrets.token_hex(8)}"
    updated, shown = deploy(moto_endpoint, with_key(prepared, rotated))
    assert updated.outcome == "updated" and rotated not in shown
    new_env = function_env(moto_endpoint, updated.outputs)
    new_doc = stored(moto_endpoint, new_env)
    assert new_doc["keys"]["1"] == rotated
    assert new_doc["rateLimitSalt"] == doc["rateLimitSalt"]
    assert new_env["PROVIDER_SECRET_VERSION"] != env["PROVIDER_SECRET_VERSION"]
    assert new_env["PROVIDER_SECRET_ARN"] == env["PROVIDER_SECRET_ARN"]
    # and the rotated configuration, deployed again, is unchanged
    assert deploy(moto_endpoint, with_key(prepared, rotated))[0].outcome == "unchanged"


def test_fill_keeps_a_deployed_salt_and_makes_one_for_a_new_stack() -> None:
    values = Parameters({"Model1Key": "k"}, frozenset({"Model1Key", "RateLimitSalt"}))
    fresh = secret.fill(values, None, "s")
    assert len(fresh.values["RateLimitSalt"]) == 64 and not fresh.kept
    kept = secret.fill(values, {"RateLimitSalt": "****"}, "s")
    assert "RateLimitSalt" not in kept.values and kept.kept == {"RateLimitSalt"}
    assert {"ParameterKey": "RateLimitSalt", "UsePreviousValue": True} in kept.to_cloudformation()
    # the version depends on the keys only, never on the salt
    assert fresh.values["KeysVersion"] == kept.values["KeysVersion"]
    other = secret.fill(values.with_values(Model1Key="k2"), None, "s")
    assert other.values["KeysVersion"] != fresh.values["KeysVersion"]
