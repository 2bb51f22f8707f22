"""IAM and bucket policy documents as awacs objects: least privilege, every resource named."""

from __future__ import annotations

from awacs import aws_marketplace, awslambda, bedrock, logs, s3, secretsmanager, sqs, sts
from awacs.aws import (
    Allow,
    Bool,
    Condition,
    Deny,
    ForAnyValueStringEquals,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
    StringLike,
)
from troposphere import GetAtt, If, Join, Ref, Split, Sub
from troposphere.awslambda import Function
from troposphere.cloudfront import Distribution
from troposphere.logs import LogGroup
from troposphere.s3 import Bucket
from troposphere.secretsmanager import Secret
from troposphere.sqs import Queue

from infra.layout import CDN_READABLE, FUNCTION_PREFIXES
from infra.parameters import BEDROCK_ID_SLOTS, Params, bedrock_model_id, bedrock_slot_condition

VERSION = "2012-10-17"


def _bucket_objects(bucket: Bucket, key_pattern: str) -> Sub:
    return Sub("${BucketArn}/" + key_pattern, BucketArn=GetAtt(bucket, "Arn"))


def lambda_assume_role_policy() -> PolicyDocument:
    """Only the Lambda service may assume the function's role."""
    return PolicyDocument(
        Version=VERSION,
        Statement=[
            Statement(
                Effect=Allow,
                Principal=Principal("Service", "lambda.amazonaws.com"),
                Action=[sts.AssumeRole],
            )
        ],
    )


def function_policy(
    bucket: Bucket, log_group: LogGroup, dlq: Queue, secret: Secret
) -> PolicyDocument:
    """What the function needs from resources that exist before it does.

    The DLQ statement must live on the role itself: Lambda checks that the role may
    sqs:SendMessage to the DeadLetterConfig target when the function is created.
    """
    prefixes = list(FUNCTION_PREFIXES)
    return PolicyDocument(
        Version=VERSION,
        Statement=[
            Statement(
                Sid="ReadWriteOwnPrefixes",
                Effect=Allow,
                Action=[s3.GetObject, s3.PutObject],
                Resource=[_bucket_objects(bucket, p + "*") for p in prefixes],
            ),
            Statement(
                Sid="ListOwnPrefixes",
                Effect=Allow,
                Action=[s3.ListBucket],
                Resource=[GetAtt(bucket, "Arn")],
                Condition=Condition(StringLike("s3:prefix", [p + "*" for p in prefixes])),
            ),
            Statement(
                Sid="WriteOwnLogs",
                Effect=Allow,
                Action=[logs.CreateLogStream, logs.PutLogEvents],
                # The log group's Arn attribute ends in ":*", which covers its streams.
                Resource=[GetAtt(log_group, "Arn")],
            ),
            Statement(
                # Exactly this stack's secret. It is encrypted with Secrets Manager's AWS managed
                # key (aws/secretsmanager), whose key policy lets the service decrypt for callers
                # allowed to read the secret: no kms:Decrypt statement is needed.
                Sid="ReadOwnSecret",
                Effect=Allow,
                Action=[secretsmanager.GetSecretValue],
                Resource=[Ref(secret)],
            ),
            Statement(
                Sid="SendToOwnDeadLetterQueue",
                Effect=Allow,
                Action=[sqs.SendMessage],
                Resource=[GetAtt(dlq, "Arn")],
            ),
            Statement(
                # The event source mapping polls with the function's role; Lambda checks these
                # three when the mapping is created.
                Sid="ConsumeOwnDeadLetterQueue",
                Effect=Allow,
                Action=[sqs.ReceiveMessage, sqs.DeleteMessage, sqs.GetQueueAttributes],
                Resource=[GetAtt(dlq, "Arn")],
            ),
        ],
    )


def self_invoke_policy(function: Function) -> PolicyDocument:
    """Asynchronous self-invocation (the API request hands the job to a worker run)."""
    return PolicyDocument(
        Version=VERSION,
        Statement=[
            Statement(
                Sid="InvokeSelf",
                Effect=Allow,
                Action=[awslambda.InvokeFunction],
                Resource=[GetAtt(function, "Arn")],
            )
        ],
    )


# AWS Marketplace product ids of the third-party image models on Bedrock (Stability AI), from
# "Use product ID condition keys to control access", docs.aws.amazon.com/bedrock/latest/
# userguide/model-access-product-ids (read 2026-12-01). Amazon's own models are not sold
# through Marketplace and need no subscription.
MARKETPLACE_PRODUCT_IDS = {
    "Stable Image Core 1.0": "prod-eacdrmv7zfc5e",
    "Stable Diffusion 3 Large 1.0": "prod-cqfmszl26sxu4",
    "Stable Image Ultra 1.0": "prod-7boen2z2wnxrg",
    "Stability 3.5 Large 1.0": "prodview-ajc3gw4mjy7my",
}


FOUNDATION_MODEL_ARN = "arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/${Id}"
PROFILE_ARN = (
    "arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:inference-profile/${Id}"
)


def _named_model_arns(params: Params) -> Split:
    """Both ARN forms of every named Bedrock id, as one list: [model 1, profile 1, model 2, ...].

    One Fn::Sub per id makes both forms (two per id would double the template's largest part).
    The pieces are joined into one comma-separated string and split again: an unused id adds
    "" (no item), and the first id, always set when this policy exists, starts the string, so
    the list never holds an empty item. Model ids never contain commas (they arrive in a
    CommaDelimitedList).
    """
    both = f"{FOUNDATION_MODEL_ARN},{PROFILE_ARN}"
    first = Sub(both, Id=bedrock_model_id(params, 0))
    rest = [
        If(bedrock_slot_condition(i), Sub("," + both, Id=bedrock_model_id(params, i)), "")
        for i in range(1, BEDROCK_ID_SLOTS)
    ]
    return Split(",", Join("", [first, *rest]))


def bedrock_policy(params: Params) -> PolicyDocument:
    """InvokeModel (also what Converse needs) on exactly the named models, and the Marketplace
    subscription a third-party model makes on its first call.

    A named id is either a foundation model in this region or a cross-region inference profile
    (us./eu./global. ...). Both ARN forms are allowed for each id: the form that does not exist
    grants nothing. A profile also needs the foundation model in every region it routes to
    (docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq); those regions are
    the profile's to choose, so the model is allowed in any region but only when the call came
    through an inference profile (condition key bedrock:InferenceProfileArn), and the only
    profiles the role may call are the named ones.
    """
    return PolicyDocument(
        Version=VERSION,
        Statement=[
            Statement(
                Sid="InvokeNamedBedrockModels",
                Effect=Allow,
                Action=[bedrock.InvokeModel],
                Resource=_named_model_arns(params),
            ),
            Statement(
                Sid="InvokeModelsOnlyThroughNamedProfiles",
                Effect=Allow,
                Action=[bedrock.InvokeModel],
                Resource=[Sub("arn:${AWS::Partition}:bedrock:*::foundation-model/*")],
                # Any system-defined profile of this account and region: the statement above
                # already limits which profiles may be invoked at all to the named ones.
                Condition=Condition(
                    StringLike(
                        "bedrock:InferenceProfileArn",
                        Sub(
                            "arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}"
                            ":inference-profile/*"
                        ),
                    )
                ),
            ),
            # Bedrock subscribes to a third-party model on its first call and needs these
            # three actions (model-access.md, "Understanding automatic model access"). Only
            # Subscribe takes a condition key (aws-marketplace:ProductId); the Marketplace
            # actions have no resource types, so their Resource is "*".
            Statement(
                Sid="SubscribeToNamedMarketplaceModels",
                Effect=Allow,
                Action=[aws_marketplace.Subscribe],
                Resource=["*"],
                Condition=Condition(
                    ForAnyValueStringEquals(
                        "aws-marketplace:ProductId", sorted(MARKETPLACE_PRODUCT_IDS.values())
                    )
                ),
            ),
            Statement(
                Sid="ManageMarketplaceSubscriptions",
                Effect=Allow,
                Action=[aws_marketplace.Unsubscribe, aws_marketplace.ViewSubscriptions],
                Resource=["*"],
            ),
        ],
    )


def bucket_policy(bucket: Bucket, distribution: Distribution) -> PolicyDocument:
    """Only this distribution may read (origin access control), and only the images and the
    page's files; nobody without TLS."""
    distribution_arn = Sub(
        "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${DistributionId}",
        DistributionId=distribution.ref(),
    )
    return PolicyDocument(
        Version=VERSION,
        Statement=[
            Statement(
                Sid="AllowCloudFrontRead",
                Effect=Allow,
                Principal=Principal("Service", "cloudfront.amazonaws.com"),
                Action=[s3.GetObject],
                Resource=[_bucket_objects(bucket, pattern) for pattern in CDN_READABLE],
                Condition=Condition(StringEquals("AWS:SourceArn", distribution_arn)),
            ),
            Statement(
                Sid="DenyInsecureTransport",
                Effect=Deny,
                Principal=Principal("*"),
                Action=[s3.Action("*")],
                Resource=[GetAtt(bucket, "Arn"), _bucket_objects(bucket, "*")],
                Condition=Condition(Bool("aws:SecureTransport", "false")),
            ),
        ],
    )
