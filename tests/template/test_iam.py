"""Least privilege: every Allow names exact actions on this stack's own resources."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.template._cfn_eval import Evaluator
from tests.template._lookup import function_log_group, of_type, only, props

BEDROCK_ARN = "arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/${Id}"
PROFILE_ARN = (
    "arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:inference-profile/${Id}"
)
BOTH_ARNS = f"{BEDROCK_ARN},{PROFILE_ARN}"
ANY_REGION_MODEL = "arn:${AWS::Partition}:bedrock:*::foundation-model/*"
# AWS Marketplace actions have no resource types: "*" is the only Resource they take.
NO_RESOURCE_TYPES = {
    "aws-marketplace:Subscribe",
    "aws-marketplace:Unsubscribe",
    "aws-marketplace:ViewSubscriptions",
}
# Which service's actions may touch which of the stack's resources.
SERVICE_TARGET = {
    "s3": "bucket",
    "logs": "log group",
    "sqs": "queue",
    "lambda": "function",
    "bedrock": "bedrock model",
    "secretsmanager": "secret",
    "aws-marketplace": "marketplace",
}


def allow_statements(resources) -> Iterator[tuple[str, dict]]:
    """(where, statement) for every Allow in an identity or bucket policy of the stack."""
    for name, role in of_type(resources, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            for s in policy["PolicyDocument"]["Statement"]:
                yield f"{name}/{policy['PolicyName']}", s
    for type_ in ("AWS::IAM::Policy", "AWS::S3::BucketPolicy"):
        for name, res in of_type(resources, type_).items():
            for s in res["Properties"]["PolicyDocument"]["Statement"]:
                if s["Effect"] == "Allow":
                    yield name, s


def resource_items(statement: dict) -> list[Any]:
    """A statement's Resource as a list of expressions (one Fn::Split makes a whole list)."""
    resource = statement["Resource"]
    return resource if isinstance(resource, list) else [resource]


def targets(expr: Any, known: dict[str, str]) -> set[str]:
    """What a Resource expression points at, by kind; anything unrecognised is 'unknown'."""
    nothing = ({"Ref": "AWS::NoValue"}, "")  # an unused branch or an empty piece of a Join
    if isinstance(expr, dict) and "Fn::If" in expr:
        _, yes, no = expr["Fn::If"]
        return {k for b in (yes, no) if b not in nothing for k in targets(b, known)}
    if isinstance(expr, dict) and "Fn::Split" in expr:
        return targets(expr["Fn::Split"][1], known)
    if isinstance(expr, dict) and "Fn::Join" in expr:
        pieces = [p for p in expr["Fn::Join"][1] if p not in nothing]
        return set().union(*(targets(p, known) for p in pieces))
    if isinstance(expr, dict) and "Ref" in expr:  # a secret's Ref is its ARN
        return {known.get(expr["Ref"], "unknown")}
    if isinstance(expr, dict) and "Fn::GetAtt" in expr:
        return {known.get(expr["Fn::GetAtt"][0], "unknown")}
    if isinstance(expr, dict) and "Fn::Sub" in expr:
        if expr["Fn::Sub"] == ANY_REGION_MODEL:
            return {"bedrock model"}  # only with the inference-profile condition (tested below)
        template, values = expr["Fn::Sub"]
        if template in (BOTH_ARNS, "," + BOTH_ARNS) and "BedrockModelIds" in str(values["Id"]):
            return {"bedrock model"}
        return set().union(*(targets(v, known) for v in values.values()))
    if expr == "*":
        return {"marketplace"}
    return {"unknown"}


def known_resources(resources) -> dict[str, str]:
    return {
        only(resources, "AWS::S3::Bucket")[0]: "bucket",
        function_log_group(resources)[0]: "log group",
        only(resources, "AWS::SQS::Queue")[0]: "queue",
        only(resources, "AWS::Lambda::Function")[0]: "function",
        only(resources, "AWS::SecretsManager::Secret")[0]: "secret",
    }


def test_no_wildcard_or_service_wide_action(resources) -> None:
    for where, statement in allow_statements(resources):
        assert "NotAction" not in statement, where
        for action in statement["Action"]:
            service, _, name = action.partition(":")
            assert "*" not in action and service and name, f"{where}: {action}"


def test_no_wildcard_resource(resources) -> None:
    for where, statement in allow_statements(resources):
        assert "NotResource" not in statement, where
        assert statement["Resource"], where
        if set(statement["Action"]) <= NO_RESOURCE_TYPES:
            assert statement["Resource"] == ["*"], where
            continue
        items = resource_items(statement)
        assert "*" not in items, where
        if {"Fn::Sub": ANY_REGION_MODEL} in items:
            assert "bedrock:InferenceProfileArn" in str(statement["Condition"]), where


def test_every_resource_is_this_stacks_own_and_fits_the_action(resources) -> None:
    known = known_resources(resources)
    for where, statement in allow_statements(resources):
        services = {a.split(":")[0] for a in statement["Action"]}
        assert len(services) == 1, f"{where}: one service per statement"
        wanted = SERVICE_TARGET[services.pop()]
        for resource in resource_items(statement):
            assert targets(resource, known) == {wanted}, f"{where}: {resource}"


def test_function_reads_and_writes_only_its_four_prefixes(resources) -> None:
    statements = [
        s for _, s in allow_statements(resources) if s.get("Sid") == "ReadWriteOwnPrefixes"
    ]
    (rw,) = statements
    assert rw["Action"] == ["s3:GetObject", "s3:PutObject"]
    keys = [r["Fn::Sub"][0] for r in rw["Resource"]]
    assert keys == [
        "${BucketArn}/jobs/*",
        "${BucketArn}/images/*",
        "${BucketArn}/ratelimit/*",
        "${BucketArn}/budget/*",
        "${BucketArn}/votes/*",
    ]


def test_listing_is_limited_to_the_four_prefixes(resources) -> None:
    (listing,) = [s for _, s in allow_statements(resources) if "s3:ListBucket" in s["Action"]]
    assert listing["Condition"] == {
        "StringLike": {"s3:prefix": ["jobs/*", "images/*", "ratelimit/*", "budget/*", "votes/*"]}
    }


def test_role_has_no_managed_policy_and_trusts_only_lambda(resources) -> None:
    role = props(resources, "AWS::IAM::Role")
    assert "ManagedPolicyArns" not in role
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert trust["Action"] == ["sts:AssumeRole"]


def test_self_invoke_is_a_separate_policy_so_role_and_function_form_no_cycle(resources) -> None:
    role, _ = only(resources, "AWS::IAM::Role")
    function, fn = only(resources, "AWS::Lambda::Function")
    (invoke,) = [
        r["Properties"]
        for r in of_type(resources, "AWS::IAM::Policy").values()
        if "lambda:InvokeFunction" in str(r["Properties"]["PolicyDocument"])
    ]
    assert invoke["Roles"] == [{"Ref": role}]
    assert invoke["PolicyDocument"]["Statement"][0]["Resource"] == [
        {"Fn::GetAtt": [function, "Arn"]}
    ]
    assert fn["Properties"]["Role"] == {"Fn::GetAtt": [role, "Arn"]}
    assert function not in str(props(resources, "AWS::IAM::Role"))


def _bedrock_policy(resources) -> dict:
    (policy,) = [
        r
        for r in of_type(resources, "AWS::IAM::Policy").values()
        if "bedrock:InvokeModel" in str(r["Properties"]["PolicyDocument"])
    ]
    return policy


def _statements(resources) -> dict[str, dict]:
    doc = _bedrock_policy(resources)["Properties"]["PolicyDocument"]
    return {statement["Sid"]: statement for statement in doc["Statement"]}


def _ids(doc, *ids: str) -> str:
    """BedrockModelIds as deploy.py passes it: padded with empty items to the Default's length."""
    slots = len(doc["Parameters"]["BedrockModelIds"]["Default"].split(","))
    return ",".join([*ids, *[""] * (slots - len(ids))])


def _named_arns(doc, resources, ids: str) -> list[str]:
    statement = _statements(resources)["InvokeNamedBedrockModels"]
    return Evaluator(doc, {"BedrockModelIds": ids}).eval(statement["Resource"])


def test_bedrock_invoke_covers_exactly_the_named_models(doc, resources) -> None:
    # GIVEN deploy.py passes a foundation model and a cross-region inference profile
    ids = _ids(doc, "stability.sd3-5-large-v1:0", "us.amazon.nova-2-lite-v1:0")
    policy = _bedrock_policy(resources)
    # WHEN CloudFormation resolves the policy
    arns = _named_arns(doc, resources, ids)
    # THEN it is created, with both ARN forms of each named id and nothing else
    assert Evaluator(doc, {"BedrockModelIds": ids}).condition(policy["Condition"])
    assert arns == [
        "arn:aws:bedrock:eu-west-1::foundation-model/stability.sd3-5-large-v1:0",
        "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/stability.sd3-5-large-v1:0",
        "arn:aws:bedrock:eu-west-1::foundation-model/us.amazon.nova-2-lite-v1:0",
        "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/us.amazon.nova-2-lite-v1:0",
    ]


def test_an_empty_item_between_named_ids_adds_no_resource(doc, resources) -> None:
    # a hand-made list (console) with a gap: the gap grants nothing and leaves no empty ARN
    ids = _ids(doc, "amazon.nova-canvas-v1:0", "", "amazon.titan-image-generator-v2:0")
    arns = _named_arns(doc, resources, ids)
    assert [a.rsplit("/", 1)[1] for a in arns] == [
        "amazon.nova-canvas-v1:0",
        "amazon.nova-canvas-v1:0",
        "amazon.titan-image-generator-v2:0",
        "amazon.titan-image-generator-v2:0",
    ]


def test_models_behind_a_profile_are_reachable_only_through_the_named_profiles(
    doc, resources
) -> None:
    evaluator = Evaluator(doc, {"BedrockModelIds": _ids(doc, "us.amazon.nova-2-lite-v1:0")})
    statement = _statements(resources)["InvokeModelsOnlyThroughNamedProfiles"]
    assert evaluator.eval(statement["Resource"]) == ["arn:aws:bedrock:*::foundation-model/*"]
    fence = statement["Condition"]["StringLike"]["bedrock:InferenceProfileArn"]
    assert evaluator.eval(fence) == "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/*"
    # ... and the only profiles the role may call at all are the named ones
    named = _statements(resources)["InvokeNamedBedrockModels"]["Resource"]
    assert [a for a in evaluator.eval(named) if ":inference-profile/" in a] == [
        "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/us.amazon.nova-2-lite-v1:0"
    ]


def test_marketplace_subscription_is_limited_to_the_documented_products(resources) -> None:
    statements = _statements(resources)
    subscribe = statements["SubscribeToNamedMarketplaceModels"]
    assert subscribe["Action"] == ["aws-marketplace:Subscribe"]
    products = subscribe["Condition"]["ForAnyValue:StringEquals"]["aws-marketplace:ProductId"]
    assert "prod-eacdrmv7zfc5e" in products and len(products) == 4  # Stable Image Core 1.0
    assert statements["ManageMarketplaceSubscriptions"]["Action"] == [
        "aws-marketplace:Unsubscribe",
        "aws-marketplace:ViewSubscriptions",
    ]


def test_bedrock_policy_is_left_out_without_bedrock_models(doc, resources) -> None:
    policy = _bedrock_policy(resources)
    assert not Evaluator(doc, {"BedrockModelIds": _ids(doc)}).condition(policy["Condition"])
    assert not Evaluator(doc).condition(policy["Condition"])  # the Default: a console deploy


def test_bedrock_invoke_handles_twenty_slots_and_the_chat_model(doc, resources) -> None:
    ids = [f"vendor.model-{n}-v1:0" for n in range(1, 22)]  # 20 slots + /enhance's chat model
    arns = _named_arns(doc, resources, _ids(doc, *ids))
    assert [a.rsplit("/", 1)[1] for a in arns] == [i for i in ids for _ in range(2)]
    assert all(a.startswith("arn:aws:bedrock:eu-west-1:") for a in arns)


def test_function_may_read_exactly_its_own_secret_and_nothing_else_of_secrets_manager(
    resources,
) -> None:
    secret, _ = only(resources, "AWS::SecretsManager::Secret")
    reads = [
        s
        for _, s in allow_statements(resources)
        if any(a.startswith("secretsmanager:") for a in s["Action"])
    ]
    (read,) = reads
    assert read["Action"] == ["secretsmanager:GetSecretValue"]
    assert read["Resource"] == [{"Ref": secret}]
