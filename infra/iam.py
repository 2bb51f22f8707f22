"""IAM and bucket policy documents as awacs objects: least privilege, every resource named."""

from __future__ import annotations

from awacs import awslambda, bedrock, logs, s3, sqs, sts
from awacs.aws import (
    Allow,
    Bool,
    Condition,
    Deny,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
    StringLike,
)
from pixelprompt.contract import MAX_MODELS
from troposphere import GetAtt, If, NoValue, Sub
from troposphere.awslambda import Function
from troposphere.cloudfront import Distribution
from troposphere.logs import LogGroup
from troposphere.s3 import Bucket
from troposphere.sqs import Queue

from infra.layout import FUNCTION_PREFIXES
from infra.parameters import Params, bedrock_model_id, bedrock_slot_condition

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


def function_policy(bucket: Bucket, log_group: LogGroup, dlq: Queue) -> PolicyDocument:
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
                Sid="SendToOwnDeadLetterQueue",
                Effect=Allow,
                Action=[sqs.SendMessage],
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


def bedrock_policy(params: Params) -> PolicyDocument:
    """InvokeModel (also what Converse needs) on exactly the named foundation models."""
    arns = [
        If(
            bedrock_slot_condition(i),
            Sub(
                "arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/${ModelId}",
                ModelId=bedrock_model_id(params, i),
            ),
            NoValue,
        )
        for i in range(MAX_MODELS)
    ]
    return PolicyDocument(
        Version=VERSION,
        Statement=[
            Statement(
                Sid="InvokeNamedBedrockModels",
                Effect=Allow,
                Action=[bedrock.InvokeModel],
                Resource=arns,
            )
        ],
    )


def bucket_policy(bucket: Bucket, distribution: Distribution) -> PolicyDocument:
    """Only this distribution may read (origin access control); nobody without TLS."""
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
                Resource=[_bucket_objects(bucket, "*")],
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
