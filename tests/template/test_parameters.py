"""Parameters: names, types, limits, NoEcho keys and their console groups."""

from __future__ import annotations

import re

from infra.parameters import MAX_MODELS

SLOTS = range(1, MAX_MODELS + 1)


def test_model_count_is_a_number_from_1_to_20_defaulting_to_9(doc) -> None:
    p = doc["Parameters"]["ModelCount"]
    assert (p["Type"], p["Default"], p["MinValue"], p["MaxValue"]) == ("Number", 9, 1, 20)


def test_every_model_slot_has_a_name_and_key_that_may_stay_empty(doc) -> None:
    params = doc["Parameters"]
    for n in SLOTS:
        for kind in ("Name", "Key"):
            p = params[f"Model{n}{kind}"]
            assert (p["Type"], p["Default"]) == ("String", ""), f"Model{n}{kind}"
            assert p["Description"]
    assert "Model21Name" not in params


def test_only_the_model_keys_the_rate_limit_salt_and_the_token_are_no_echo(doc) -> None:
    no_echo = {name for name, p in doc["Parameters"].items() if p.get("NoEcho")}
    assert no_echo == {f"Model{n}Key" for n in SLOTS} | {"RateLimitSalt", "AccessToken"}


def test_the_secret_is_valid_json_for_any_key_deploy_py_accepts(resources) -> None:
    import json
    import re

    from deployer.params import key_problem
    from tests.template._lookup import props

    accepted = "".join(
        c for c in map(chr, range(0, 128)) if key_problem("Model1Key", f"k{c}k") is None
    )
    assert '"' not in accepted and "\\" not in accepted and "\n" not in accepted
    template = props(resources, "AWS::SecretsManager::Secret")["SecretString"]["Fn::Sub"]
    filled = re.sub(r"\$\{Model(\d+)Key\}", lambda m: accepted + m.group(1), template)
    filled = filled.replace("${AccessToken}", accepted)  # the token is checked like a key
    secret = json.loads(filled.replace("${RateLimitSalt}", "ab" * 32))
    assert secret["accessToken"] == accepted
    assert secret["keys"]["20"] == accepted + "20"
    assert secret["rateLimitSalt"] == "ab" * 32 and secret["format"] == 1


def test_access_token_is_optional_and_long_enough_when_set(doc) -> None:
    p = doc["Parameters"]["AccessToken"]
    assert (p["Type"], p["Default"], p["NoEcho"]) == ("String", "", True)
    pattern = re.compile(p["AllowedPattern"])
    assert pattern.fullmatch("") and pattern.fullmatch("x" * 16)
    assert not pattern.fullmatch("short") and not pattern.fullmatch("has a space in it!!")
    # it goes verbatim into the secret's JSON: no quote, no backslash
    assert not pattern.fullmatch("x" * 16 + '"') and not pattern.fullmatch("x" * 16 + "\\")


def test_daily_budget_is_a_non_negative_number_defaulting_to_none(doc) -> None:
    p = doc["Parameters"]["DailyBudgetUsd"]
    assert (p["Type"], p["Default"], p["MinValue"]) == ("Number", 0, 0)
    assert "0 = no budget" in p["Description"]


def test_environment_is_one_of_dev_staging_prod(doc) -> None:
    assert doc["Parameters"]["Environment"]["AllowedValues"] == ["dev", "staging", "prod"]


def test_prompt_model_index_is_a_slot_number(doc) -> None:
    p = doc["Parameters"]["PromptModelIndex"]
    assert (p["Type"], p["MinValue"], p["MaxValue"], p["Default"]) == ("Number", 1, 20, 1)


def test_rate_limits_and_whitelist(doc) -> None:
    params = doc["Parameters"]
    assert params["GlobalRateLimit"]["Type"] == "Number"
    assert "hour" in params["GlobalRateLimit"]["Description"]
    assert params["IPRateLimit"]["Type"] == "Number"
    assert "per client IP per day" in params["IPRateLimit"]["Description"]
    assert (params["IPWhitelist"]["Type"], params["IPWhitelist"]["Default"]) == ("String", "")


def test_deployment_parameters(doc) -> None:
    params = doc["Parameters"]
    assert params["CodeBucket"]["Type"] == params["CodeKey"]["Type"] == "String"
    assert (params["ReservedConcurrency"]["Type"], params["ReservedConcurrency"]["Default"]) == (
        "Number",
        0,
    )
    price = params["PriceClass"]
    assert price["AllowedValues"] == ["PriceClass_100", "PriceClass_200", "PriceClass_All"]
    assert price["Default"] == "PriceClass_100"
    # one empty item per model slot and one for /enhance's chat model: Fn::Select needs them all
    assert (params["BedrockModelIds"]["Type"], params["BedrockModelIds"]["Default"]) == (
        "CommaDelimitedList",
        "," * len(SLOTS),
    )


def test_console_groups_cover_every_parameter_once_in_order(doc) -> None:
    groups = doc["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    labels = [g["Label"]["default"] for g in groups]
    assert labels == [
        "Environment",
        "Models",
        *[f"Model slot {n}" for n in SLOTS],
        "Rate limits",
        "Access and spending",
        "Deployment",
    ]
    assert groups[1]["Parameters"] == ["ModelCount", "PromptModelIndex", "BedrockModelIds"]
    assert groups[2]["Parameters"] == ["Model1Name", "Model1Key"]
    grouped = [name for g in groups for name in g["Parameters"]]
    assert sorted(grouped) == sorted(doc["Parameters"])


def test_every_parameter_has_a_console_label(doc) -> None:
    labels = doc["Metadata"]["AWS::CloudFormation::Interface"]["ParameterLabels"]
    assert set(labels) == set(doc["Parameters"])
