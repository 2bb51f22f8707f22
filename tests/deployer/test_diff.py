"""The parameter diff: old and new values, NoEcho only as 'changed'."""

from __future__ import annotations

from deployer.diff import SECRETS, parameter_changes
from deployer.params import Parameters, ParamSpec
from deployer.template import with_secrets_digest

SPECS = {
    "ModelCount": ParamSpec("ModelCount", "Number", default="9"),
    "Model1Key": ParamSpec("Model1Key", no_echo=True, default=""),
    "BedrockModelIds": ParamSpec("BedrockModelIds", "CommaDelimitedList", default=""),
}


def test_a_stack_deployed_without_a_digest_sends_the_keys_again() -> None:
    wanted = Parameters({"ModelCount": "9", "Model1Key": "k"}, frozenset({"Model1Key"}))
    body = with_secrets_digest({"Resources": {}}, "s", wanted.secrets())
    deployed = {"ModelCount": "9", "Model1Key": "****", "BedrockModelIds": ""}
    changes = parameter_changes(deployed, {"Resources": {}}, wanted, SPECS, body.data)
    assert [c.name for c in changes] == [SECRETS]


def test_list_values_compare_as_cloudformation_answers_them() -> None:
    wanted = Parameters({"BedrockModelIds": "a:0,b:0"})
    body = with_secrets_digest({}, "s", {})
    deployed = {"ModelCount": "9", "BedrockModelIds": "a:0,b:0"}
    assert parameter_changes(deployed, body.data, wanted, SPECS, body.data) == []
    deployed["ModelCount"] = "3"
    (change,) = parameter_changes(deployed, body.data, wanted, SPECS, body.data)
    assert (change.name, change.old, change.new) == ("ModelCount", "3", "9")
