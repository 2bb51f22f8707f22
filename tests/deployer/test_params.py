"""Parameters: both file forms, every problem at once, NoEcho never shown, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deployer import params
from deployer.errors import USAGE, DeployError
from deployer.models import HandlerCatalog
from tests.deployer._support import small_params, small_template, write_json

SPECS = params.specs_from_template(small_template())
CATALOG = HandlerCatalog()


def problems_for(path: Path) -> tuple[str, ...]:
    with pytest.raises(DeployError) as caught:
        params.load(path, SPECS, CATALOG)
    assert caught.value.exit_code == USAGE
    return caught.value.problems


def test_object_form_is_read_as_cloudformation_strings(tmp_path: Path) -> None:
    path = write_json(tmp_path / "p.json", small_params())
    loaded = params.load(path, SPECS, CATALOG)
    assert loaded.values["ModelCount"] == "2"
    assert loaded.values["Model1Name"] == "openai/gpt-image-2"
    assert "Model1Key" in loaded.no_echo


def test_list_form_gives_the_same_values(tmp_path: Path) -> None:
    items = [
        {"ParameterKey": k, "ParameterValue": str(v)}
        for k, v in small_params()["Parameters"].items()
    ]
    from_list = params.load(write_json(tmp_path / "l.json", items), SPECS, CATALOG)
    from_object = params.load(write_json(tmp_path / "o.json", small_params()), SPECS, CATALOG)
    assert from_list == from_object


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    bad = small_params(
        Enviroment="dev",  # typo: unknown key
        ModelCount=2,
        Model1Key="",  # openai needs a key
        Model2Name="",  # ModelCount says 2
        Model3Name="Not A Real Model",  # named beyond ModelCount
        PromptModelIndex=3,
        CodeKey="x.zip",  # deploy.py fills this
    )
    bad["Parameters"]["Environment"] = "qa"
    found = problems_for(write_json(tmp_path / "bad.json", bad))
    text = "\n".join(found)
    assert "Enviroment is not a parameter of the template. Did you mean Environment?" in text
    assert "Environment 'qa' must be one of: dev, prod." in text
    assert "ModelCount is 2 but Model2Name is empty" in text
    assert "Model3Name is also named" in text
    assert "PromptModelIndex must name one of the 2 models (1-2), not 3." in text
    assert "Model1Name 'openai/gpt-image-2' is served by openai, which needs an API key" in text
    assert "CodeKey is filled in by deploy.py" in text
    assert len(found) == 7


def test_unknown_model_names_say_what_is_accepted(tmp_path: Path) -> None:
    found = problems_for(write_json(tmp_path / "p.json", small_params(Model2Name="Pixel Magic 9")))
    assert len(found) == 1 and found[0].startswith("Model2Name: ") and "Pixel Magic 9" in found[0]


def test_numbers_are_checked_against_the_template_range(tmp_path: Path) -> None:
    found = problems_for(write_json(tmp_path / "p.json", small_params(ModelCount=25)))
    assert found == ("ModelCount '25' must be at most 3.",)  # said once, in one wording


@pytest.mark.parametrize(
    "empty", [[], {}, {"Parameters": {}}], ids=["list", "object", "Parameters"]
)
def test_a_file_that_sets_nothing_says_so(tmp_path: Path, empty: object) -> None:
    path = write_json(tmp_path / "p.json", empty)
    assert problems_for(path) == (
        "It sets no parameters; start from parameters.example.json (models and their keys).",
    )


def test_a_count_past_the_named_slots_is_refused_when_the_template_allows_it(
    tmp_path: Path,
) -> None:
    # GIVEN a template whose ModelCount range reaches past its slots (no MaxValue at all)
    specs = {**SPECS, "ModelCount": params.ParamSpec("ModelCount", type="Number", min_value=1)}
    path = write_json(tmp_path / "p.json", small_params(ModelCount=7))
    with pytest.raises(DeployError) as caught:
        params.load(path, specs, CATALOG)
    # THEN the slot check still says it, once
    assert caught.value.problems == ("ModelCount must be between 1 and 3, not 7.",)


def test_no_echo_values_never_appear_in_messages(tmp_path: Path) -> None:
    secret = "sk-this-must-never-be-printed"
    spec_bad = small_params(Model1Key=True, Model2Key=secret, ModelCount=9)
    found = problems_for(write_json(tmp_path / "p.json", spec_bad))
    text = "\n".join(found)
    assert (
        secret not in text and "Model1Key must be a string or a number, not a hidden value." in text
    )
    long_key = {"Model1Key": {"Type": "String", "NoEcho": True, "MaxLength": 5}}
    with pytest.raises(DeployError) as caught:
        params.load(write_json(tmp_path / "k.json", {"Parameters": {"Model1Key": secret}}),
                    params.specs_from_template({"Parameters": long_key}), None)  # fmt: skip
    assert secret not in caught.value.render()
    assert "Model1Key (value hidden) must be at most 5 characters." in caught.value.problems


def test_a_file_that_is_not_json_is_one_clear_problem(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"Parameters": {"ModelCount": 2,}}')
    (problem,) = problems_for(path)
    assert problem.startswith("The file is not valid JSON")


def test_a_list_with_duplicates_and_missing_keys_is_reported(tmp_path: Path) -> None:
    items = [
        {
            "ParameterKey": "Model1Name",
            "ParameterValue": "bedrock/stability.stable-image-core-v1:1",
        },
        {
            "ParameterKey": "Model1Name",
            "ParameterValue": "bedrock/stability.stable-image-core-v1:1",
        },
        {"ParameterValue": "orphan"},
        {"ParameterKey": "ModelCount", "ParameterValue": "1"},
    ]
    found = problems_for(write_json(tmp_path / "p.json", items))
    assert "Model1Name is given more than once (item 2)." in found
    assert "Item 3 of the list has no ParameterKey." in found


def test_bedrock_model_ids_come_from_the_named_slots() -> None:
    loaded = params.Parameters(
        {
            "ModelCount": "3",
            "Model1Name": "bedrock/stability.stable-image-core-v1:1",
            "Model2Name": "openai/gpt-image-2",
            "Model3Name": "bedrock/stability.sd3-5-large-v1:0",
        }
    )
    ids = params.bedrock_model_ids(loaded, CATALOG, slots=4)
    assert ids == "stability.stable-image-core-v1:1,stability.sd3-5-large-v1:0,,"


def test_bedrock_model_ids_fill_every_item_the_real_template_selects() -> None:
    # twenty Bedrock slots and the chat model of a Bedrock prompt model: 21 ids, all granted
    spec = _real_specs()["BedrockModelIds"]
    values = {"ModelCount": "20", "PromptModelIndex": "1"}
    values |= {f"Model{n}Name": f"bedrock/vendor.model-{n}-v1:0" for n in range(1, 21)}
    values["Model1Name"] = "bedrock/stability.stable-image-core-v1:1"
    slots = params.bedrock_id_slots(spec)
    ids = params.bedrock_model_ids(params.Parameters(values), CATALOG, slots=slots).split(",")
    assert slots == 21 and len(ids) == 21 and "" not in ids
    assert ids[1] == "amazon.nova-lite-v1:0"  # the chat model /enhance calls
    none = params.bedrock_model_ids(params.Parameters({"ModelCount": "1"}), CATALOG, slots=slots)
    assert none == spec.default  # no Bedrock model: the template's all-empty Default


def test_more_bedrock_ids_than_the_template_takes_is_a_clear_error() -> None:
    loaded = params.Parameters(
        {"ModelCount": "2", "Model1Name": "bedrock/a.b-v1:0", "Model2Name": "bedrock/c.d-v1:0"}
    )
    with pytest.raises(DeployError) as err:
        params.bedrock_model_ids(loaded, CATALOG, slots=1)
    assert "2 Bedrock model ids; the template has room for 1" in str(err.value)


def test_a_bedrock_prompt_model_adds_the_chat_model_enhance_calls() -> None:
    loaded = params.Parameters(
        {
            "ModelCount": "2",
            "Model1Name": "openai/gpt-image-2",
            "Model2Name": "bedrock/stability.stable-image-core-v1:1",
            "PromptModelIndex": "2",
        }
    )
    ids = params.bedrock_model_ids(loaded, CATALOG, slots=2).split(",")
    assert ids == ["stability.stable-image-core-v1:1", "amazon.nova-lite-v1:0"]


def _real_specs() -> dict[str, params.ParamSpec]:
    from infra.template import template_json

    return params.specs_from_template(json.loads(template_json()))


def test_twenty_long_keys_fit_now_that_keys_live_in_the_secret(tmp_path: Path) -> None:
    # GIVEN twenty long OpenAI project keys (once far past Lambda's 4 KB environment)
    values: dict[str, object] = {"ModelCount": 20, "PromptModelIndex": 1}
    for n in range(1, 21):
        values[f"Model{n}Name"] = "openai/gpt-image-2"
        values[f"Model{n}Key"] = f"sk-proj-{n:02d}" + "x" * 200
    path = write_json(tmp_path / "p.json", {"Parameters": values})
    # THEN the file is accepted
    loaded = params.load(path, _real_specs(), CATALOG)
    assert loaded.values["Model20Key"].endswith("x" * 200)


def test_names_and_whitelist_too_long_for_the_environment_are_refused(tmp_path: Path) -> None:
    values: dict[str, object] = {
        "ModelCount": 1,
        "Model1Name": "bedrock/stability.stable-image-core-v1:1",
    }
    values["IPWhitelist"] = ",".join(f"198.51.100.{i % 250}" for i in range(300))
    path = write_json(tmp_path / "p.json", {"Parameters": values})
    with pytest.raises(DeployError) as caught:
        params.load(path, _real_specs(), CATALOG)
    assert "Lambda allows 4096" in " ".join(caught.value.problems)


def test_whitespace_around_a_key_is_stripped(tmp_path: Path) -> None:
    values = {"ModelCount": 1, "Model1Name": "openai/gpt-image-2", "Model1Key": "  sk-ok-1\n"}
    path = write_json(tmp_path / "p.json", {"Parameters": values})
    assert params.load(path, _real_specs(), CATALOG).values["Model1Key"] == "sk-ok-1"


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("sk-CANARY\nX-Injected: 1", "control character"),
        ("sk-CANARY\tTAB", "control character"),
        ("sk-CANARY\x7f", "control character"),
        ("sk-CANARY with space", "a space"),
        ('sk-CANARY"quote', "a quote"),
    ],
)
def test_a_key_with_a_control_or_breaking_character_is_refused_naming_the_slot(
    tmp_path: Path, key: str, kind: str
) -> None:
    values = {"ModelCount": 2, "Model1Name": "openai/gpt-image-2", "Model1Key": "sk-fine"}
    values |= {"Model2Name": "bfl/flux-pro-1.1", "Model2Key": key}
    path = write_json(tmp_path / "p.json", {"Parameters": values})
    with pytest.raises(DeployError) as caught:
        params.load(path, _real_specs(), CATALOG)
    (problem,) = caught.value.problems
    assert problem.startswith("Model2Key holds") and kind in problem
    assert "CANARY" not in problem and caught.value.exit_code == USAGE


def test_the_rate_limit_salt_and_keys_version_are_deploy_filled(tmp_path: Path) -> None:
    values = {"ModelCount": 1, "Model1Name": "bedrock/stability.stable-image-core-v1:1"}
    values |= {"RateLimitSalt": "ab" * 32, "KeysVersion": "00"}
    path = write_json(tmp_path / "p.json", {"Parameters": values})
    with pytest.raises(DeployError) as caught:
        params.load(path, _real_specs(), CATALOG)
    assert sorted(caught.value.problems) == [
        "KeysVersion is filled in by deploy.py; remove it from the file.",
        "RateLimitSalt is filled in by deploy.py; remove it from the file.",
    ]


def test_the_example_file_is_valid_for_the_real_template(repo_root: Path) -> None:
    from infra.template import template_json

    specs = params.specs_from_template(json.loads(template_json()))
    loaded = params.load(repo_root / "parameters.example.json", specs, CATALOG)
    assert int(loaded.values["ModelCount"]) >= 1


def test_placeholder_keys_are_named_without_their_values(repo_root: Path) -> None:
    from infra.template import template_json

    specs = params.specs_from_template(json.loads(template_json()))
    loaded = params.load(repo_root / "parameters.example.json", specs, CATALOG)
    placeholders = loaded.placeholder_keys()
    assert placeholders and all(
        name.startswith("Model") and name.endswith("Key") for name in placeholders
    )
    assert "Model8Key" not in placeholders  # Bedrock: empty, no placeholder


def _real_specs() -> dict[str, params.ParamSpec]:
    from infra.template import template_json

    return params.specs_from_template(json.loads(template_json()))


def test_the_access_token_is_a_hidden_value(tmp_path: Path) -> None:
    token = "a-long-enough-private-token-42"
    path = write_json(tmp_path / "p.json", small_params(AccessToken=token, DailyBudgetUsd=5))
    loaded = params.load(path, _real_specs(), CATALOG)
    assert "AccessToken" in loaded.no_echo and loaded.redacted()["AccessToken"] == "****"


def test_a_short_token_or_a_negative_budget_is_refused_without_showing_the_token(
    tmp_path: Path,
) -> None:
    path = write_json(
        tmp_path / "p.json", small_params(AccessToken="short-secret", DailyBudgetUsd=-1)
    )
    with pytest.raises(DeployError) as caught:
        params.load(path, _real_specs(), CATALOG)
    found = "\n".join(caught.value.problems)
    assert "AccessToken (value hidden) must match the pattern" in found
    assert "short-secret" not in caught.value.render()
    assert "DailyBudgetUsd '-1' must be at least 0." in found
