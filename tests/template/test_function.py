"""The Lambda function: runtime settings, environment, dead-letter queue, concurrency."""

from __future__ import annotations

from infra.parameters import MAX_MODELS
from tests.template._lookup import function_log_group, only, props


def test_runtime_handler_memory_timeout(resources) -> None:
    fn = props(resources, "AWS::Lambda::Function")
    assert fn["Runtime"] == "python3.12"
    assert fn["Handler"] == "lambda_function.lambda_handler"
    assert (fn["MemorySize"], fn["Timeout"]) == (3008, 900)


def test_code_comes_from_the_code_location_parameters(resources) -> None:
    code = props(resources, "AWS::Lambda::Function")["Code"]
    assert code == {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}}


def test_function_name_is_explicit_and_known_to_the_log_group(resources) -> None:
    fn = props(resources, "AWS::Lambda::Function")
    assert fn["FunctionName"] == {"Fn::Sub": "${AWS::StackName}-generator"}
    _, group = function_log_group(resources)
    assert group["Properties"]["LogGroupName"] == {
        "Fn::Sub": "/aws/lambda/${AWS::StackName}-generator"
    }


def test_environment_variables_are_exactly_the_contract(resources) -> None:
    env = props(resources, "AWS::Lambda::Function")["Environment"]["Variables"]
    expected = {"MODEL_COUNT", "PROMPT_MODEL_INDEX", "GLOBAL_RATE_LIMIT", "IP_RATE_LIMIT"}
    expected |= {"IP_WHITELIST", "S3_BUCKET", "CLOUDFRONT_DOMAIN", "ENVIRONMENT"}
    expected |= {"PROVIDER_SECRET_ARN", "PROVIDER_SECRET_VERSION"}
    for n in range(1, MAX_MODELS + 1):
        expected |= {f"MODEL_{n}_NAME"}
    assert set(env) == expected


def test_no_key_parameter_reaches_the_environment(resources) -> None:
    env = props(resources, "AWS::Lambda::Function")["Environment"]["Variables"]
    refs = {value["Ref"] for value in env.values() if isinstance(value, dict) and "Ref" in value}
    assert not {r for r in refs if r.endswith("Key") or r == "RateLimitSalt"}, refs


def test_environment_variables_come_from_parameters_and_resources(resources) -> None:
    env = props(resources, "AWS::Lambda::Function")["Environment"]["Variables"]
    bucket, _ = only(resources, "AWS::S3::Bucket")
    distribution, _ = only(resources, "AWS::CloudFront::Distribution")
    assert env["MODEL_COUNT"] == {"Ref": "ModelCount"}
    assert env["MODEL_7_NAME"] == {"Ref": "Model7Name"}
    secret, _ = only(resources, "AWS::SecretsManager::Secret")
    assert env["PROVIDER_SECRET_ARN"] == {"Ref": secret}
    assert env["PROVIDER_SECRET_VERSION"] == {"Ref": "KeysVersion"}
    assert env["PROMPT_MODEL_INDEX"] == {"Ref": "PromptModelIndex"}
    assert env["GLOBAL_RATE_LIMIT"] == {"Ref": "GlobalRateLimit"}
    assert env["IP_RATE_LIMIT"] == {"Ref": "IPRateLimit"}
    assert env["IP_WHITELIST"] == {"Ref": "IPWhitelist"}
    assert env["ENVIRONMENT"] == {"Ref": "Environment"}
    assert env["S3_BUCKET"] == {"Ref": bucket}
    assert env["CLOUDFRONT_DOMAIN"] == {"Fn::GetAtt": [distribution, "DomainName"]}


def test_dead_letter_queue_is_an_encrypted_sqs_queue(resources) -> None:
    queue, queue_res = only(resources, "AWS::SQS::Queue")
    fn = props(resources, "AWS::Lambda::Function")
    assert fn["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": [queue, "Arn"]}}
    assert queue_res["Properties"]["SqsManagedSseEnabled"] is True


def test_reserved_concurrency_is_omitted_when_zero(doc, resources) -> None:
    fn = props(resources, "AWS::Lambda::Function")
    assert fn["ReservedConcurrentExecutions"] == {
        "Fn::If": [
            "HasReservedConcurrency",
            {"Ref": "ReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert doc["Conditions"]["HasReservedConcurrency"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ReservedConcurrency"}, "0"]}]
    }


def test_function_waits_for_its_log_group(resources) -> None:
    _, fn = only(resources, "AWS::Lambda::Function")
    log_group, _ = function_log_group(resources)
    assert log_group in fn["DependsOn"]


def test_the_worker_event_is_never_retried_by_lambda(resources) -> None:
    # A retried worker run could send paid model requests again; failures go to the DLQ.
    fn_id, _ = only(resources, "AWS::Lambda::Function")
    config = props(resources, "AWS::Lambda::EventInvokeConfig")
    assert config == {
        "FunctionName": {"Ref": fn_id},
        "Qualifier": "$LATEST",
        "MaximumRetryAttempts": 0,
        "MaximumEventAgeInSeconds": 360,  # see test_dead_letters.py
    }
