"""Stack parameters, their console labels and groups, and the conditions derived from them."""

from __future__ import annotations

from dataclasses import dataclass

from pixelprompt.contract import MAX_MODELS
from troposphere import Equals, Not, Parameter, Ref, Select, Template

DEFAULT_MODEL_COUNT = 9
# Bedrock ids the role may invoke: one per model slot, and the chat model /enhance uses.
BEDROCK_ID_SLOTS = MAX_MODELS + 1
HAS_RESERVED_CONCURRENCY = "HasReservedConcurrency"
HAS_BEDROCK_MODELS = "HasBedrockModels"
IS_PRIVATE = "IsPrivate"


@dataclass(frozen=True)
class ModelSlot:
    """The name and key parameters of one model slot (1-based index)."""

    index: int
    name: Parameter
    key: Parameter


@dataclass(frozen=True)
class Params:
    """Every parameter the resources refer to, kept as objects so Ref() needs no typed ids."""

    environment: Parameter
    model_count: Parameter
    models: tuple[ModelSlot, ...]
    prompt_model_index: Parameter
    bedrock_model_ids: Parameter
    global_rate_limit: Parameter
    ip_rate_limit: Parameter
    ip_whitelist: Parameter
    code_bucket: Parameter
    code_key: Parameter
    reserved_concurrency: Parameter
    price_class: Parameter
    rate_limit_salt: Parameter
    keys_version: Parameter
    access_token: Parameter
    daily_budget_usd: Parameter


def _add(t: Template, label: str, group: str, param: Parameter) -> Parameter:
    """Add one parameter with its console label, inside its console group."""
    added = t.add_parameter(param)
    t.set_parameter_label(added, label)
    t.add_parameter_to_group(added, group)
    return added


def _add_model_slot(t: Template, n: int) -> ModelSlot:
    group = f"Model slot {n}"
    name = Parameter(
        f"Model{n}Name",
        Type="String",
        Default="",
        MaxLength=128,
        # The examples once, on slot 1: twenty copies would crowd the template's size limit.
        Description=(
            "Model 1: a known name or provider/model-id, e.g. 'GPT Image', 'Nova Canvas', "
            "'bedrock/<model-id>'; empty: unused."
            if n == 1
            else f"Model {n}, named as Model1Name; empty: unused."
        ),
    )
    key = Parameter(
        f"Model{n}Key",
        Type="String",
        Default="",
        NoEcho=True,
        MaxLength=1024,
        Description=(
            "API key for model 1's provider (kept in the stack secret); Bedrock: empty."
            if n == 1
            else f"Key of model {n}, as Model1Key."
        ),
    )
    return ModelSlot(
        index=n,
        name=_add(t, f"Model {n} name", group, name),
        key=_add(t, f"Model {n} API key", group, key),
    )


def _add_model_params(t: Template) -> tuple[Parameter, Parameter, Parameter]:
    group = "Models"
    count = Parameter(
        "ModelCount",
        Type="Number",
        Default=DEFAULT_MODEL_COUNT,
        MinValue=1,
        MaxValue=MAX_MODELS,
        Description=f"How many model slots (1-{MAX_MODELS}) each prompt goes to.",
    )
    prompt_index = Parameter(
        "PromptModelIndex",
        Type="Number",
        Default=1,
        MinValue=1,
        MaxValue=MAX_MODELS,
        Description="Slot (1-based) of the model that enhances prompts for POST /enhance.",
    )
    bedrock_ids = Parameter(
        "BedrockModelIds",
        Type="CommaDelimitedList",
        # Exactly BEDROCK_ID_SLOTS items, unused ones empty, so Fn::Select never runs past the end.
        Default="," * (BEDROCK_ID_SLOTS - 1),
        Description=(
            f"Bedrock model ids the function may invoke: exactly {BEDROCK_ID_SLOTS} "
            "comma-separated items, unused ones empty (deploy.py fills this in)."
        ),
    )
    return (
        _add(t, "Number of models", group, count),
        _add(t, "Prompt enhancement model slot", group, prompt_index),
        _add(t, "Bedrock foundation-model ids", group, bedrock_ids),
    )


def _add_rate_limit_params(t: Template) -> tuple[Parameter, Parameter, Parameter]:
    group = "Rate limits"
    global_limit = Parameter(
        "GlobalRateLimit",
        Type="Number",
        Default=1000,
        MinValue=1,
        Description="Generate requests allowed per rolling hour, all clients together.",
    )
    ip_limit = Parameter(
        "IPRateLimit",
        Type="Number",
        Default=200,
        MinValue=1,
        Description="Generate requests allowed per client IP per day.",
    )
    whitelist = Parameter(
        "IPWhitelist",
        Type="String",
        Default="",
        Description="Comma-separated client IPs that bypass both rate limits.",
    )
    return (
        _add(t, "Global limit (per hour)", group, global_limit),
        _add(t, "Per-IP limit (per day)", group, ip_limit),
        _add(t, "IPs exempt from limits", group, whitelist),
    )


def _add_secret_params(t: Template) -> tuple[Parameter, Parameter]:
    group = "Deployment"
    salt = Parameter(
        "RateLimitSalt",
        Type="String",
        NoEcho=True,
        MinLength=32,
        MaxLength=128,
        AllowedPattern="^[0-9a-f]*$",
        Description="HMAC key naming the per-IP rate-limit counters (deploy.py makes it once).",
    )
    version = Parameter(
        "KeysVersion",
        Type="String",
        Default="",
        MaxLength=64,
        AllowedPattern="^[0-9a-f]*$",
        Description="Digest of the keys (deploy.py fills it in; new keys: new environments).",
    )
    return (
        _add(t, "Rate-limit HMAC key", group, salt),
        _add(t, "Keys version", group, version),
    )


def _add_access_params(t: Template) -> tuple[Parameter, Parameter]:
    group = "Access and spending"
    token = Parameter(
        "AccessToken",
        Type="String",
        Default="",
        NoEcho=True,
        MaxLength=256,
        # Empty (public) or 16+ characters a guess will not find; the keys' character set,
        # as the token goes verbatim into the secret's JSON.
        AllowedPattern="^$|^[!#-\\[\\]-~]{16,256}$",
        ConstraintDescription="empty, or 16-256 characters, no space, quote or backslash",
        Description="Empty: public API. Set: every call needs 'Authorization: Bearer <token>'.",
    )
    budget = Parameter(
        "DailyBudgetUsd",
        Type="Number",
        Default=0,
        MinValue=0,
        Description="Most to spend on providers per UTC day, in USD; 0 = no budget.",
    )
    return (
        _add(t, "Access token (optional)", group, token),
        _add(t, "Daily budget (USD)", group, budget),
    )


def _add_deployment_params(t: Template) -> tuple[Parameter, Parameter, Parameter, Parameter]:
    group = "Deployment"
    code_bucket = Parameter(
        "CodeBucket",
        Type="String",
        MinLength=3,
        Description="S3 bucket holding the function's zip (deploy.py fills this in).",
    )
    code_key = Parameter(
        "CodeKey",
        Type="String",
        MinLength=1,
        Description="S3 key of the function's zip (deploy.py fills this in).",
    )
    concurrency = Parameter(
        "ReservedConcurrency",
        Type="Number",
        Default=0,
        MinValue=0,
        MaxValue=1000,
        Description="Concurrent executions reserved for the function; 0 reserves none.",
    )
    price_class = Parameter(
        "PriceClass",
        Type="String",
        Default="PriceClass_100",
        AllowedValues=["PriceClass_100", "PriceClass_200", "PriceClass_All"],
        Description="CloudFront edge locations serving the images and web page.",
    )
    return (
        _add(t, "Code bucket", group, code_bucket),
        _add(t, "Code key", group, code_key),
        _add(t, "Reserved concurrency", group, concurrency),
        _add(t, "CloudFront price class", group, price_class),
    )


def _add_conditions(t: Template, params: Params) -> None:
    t.add_condition(HAS_RESERVED_CONCURRENCY, Not(Equals(Ref(params.reserved_concurrency), "0")))
    # deploy.py fills the ids from the first item on: the first one set means "any Bedrock model".
    t.add_condition(HAS_BEDROCK_MODELS, Not(Equals(bedrock_model_id(params, 0), "")))
    t.add_condition(IS_PRIVATE, Not(Equals(Ref(params.access_token), "")))
    for i in range(1, BEDROCK_ID_SLOTS):
        t.add_condition(
            bedrock_slot_condition(i),
            Not(Equals(bedrock_model_id(params, i), "")),
        )


def bedrock_slot_condition(i: int) -> str:
    """Name of the condition 'the i-th (0-based, from 1) Bedrock model id is set'; the first
    id's condition is HAS_BEDROCK_MODELS."""
    return f"HasBedrockModel{i + 1}"


def bedrock_model_id(params: Params, i: int) -> Select:
    """The i-th (0-based) Bedrock model id ("" when unused).

    The list always has BEDROCK_ID_SLOTS items (deploy.py pads it, the Default has as many
    empty ones), so no padding expression is needed; a hand-made list of the wrong length
    fails the change set with CloudFormation's "Fn::Select cannot select nonexistent value".
    """
    return Select(i, Ref(params.bedrock_model_ids))


def add_parameters(t: Template) -> Params:
    """Add every parameter (grouped and labelled for the console) and the conditions."""
    environment = _add(
        t,
        "Environment",
        "Environment",
        Parameter(
            "Environment",
            Type="String",
            Default="dev",
            AllowedValues=["dev", "staging", "prod"],
            Description="Deployment environment; tagged on every resource.",
        ),
    )
    model_count, prompt_index, bedrock_ids = _add_model_params(t)
    models = tuple(_add_model_slot(t, n) for n in range(1, MAX_MODELS + 1))
    global_limit, ip_limit, whitelist = _add_rate_limit_params(t)
    access_token, daily_budget = _add_access_params(t)
    code_bucket, code_key, concurrency, price_class = _add_deployment_params(t)
    salt, keys_version = _add_secret_params(t)
    params = Params(
        environment=environment,
        model_count=model_count,
        models=models,
        prompt_model_index=prompt_index,
        bedrock_model_ids=bedrock_ids,
        global_rate_limit=global_limit,
        ip_rate_limit=ip_limit,
        ip_whitelist=whitelist,
        code_bucket=code_bucket,
        code_key=code_key,
        reserved_concurrency=concurrency,
        price_class=price_class,
        rate_limit_salt=salt,
        keys_version=keys_version,
        access_token=access_token,
        daily_budget_usd=daily_budget,
    )
    _add_conditions(t, params)
    return params
