"""Build the whole stack: S3 + CloudFront, one Lambda behind an HTTP API, its role and alarms.

Every resource is kept as the object `add_resource` returns and referred to with Ref/GetAtt,
so no logical id is ever typed twice. `python build_template.py` prints `template_json()`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

from pixelprompt.contract import CORS, FUNCTION_NAME_SUFFIX, ROUTES, Env
from troposphere import (
    GetAtt,
    If,
    NoValue,
    Output,
    Ref,
    Sub,
    Tags,
    Template,
    iam,
    logs,
    s3,
    secretsmanager,
    sqs,
)
from troposphere import apigatewayv2 as apigw
from troposphere import awslambda as lam
from troposphere import cloudfront as cf
from troposphere import cloudwatch as cw

from infra import edge
from infra import iam as policies
from infra.accepted import checkov_skips
from infra.layout import FUNCTION_PREFIXES, IMAGES_PATTERN
from infra.parameters import HAS_BEDROCK_MODELS, HAS_RESERVED_CONCURRENCY, Params, add_parameters

PROJECT = "pixel-prompt-complete"
MANAGED_BY = "cloudformation"
# An explicit name makes the log group's name known before the function exists, so the
# stack owns the log group (7-day retention) and the role needs no logs:CreateLogGroup.
# Keep stack names <= 54 characters: Lambda function names stop at 64.
FUNCTION_NAME = "${AWS::StackName}" + FUNCTION_NAME_SUFFIX
# AWS managed cache policy "Managed-CachingOptimized": long TTLs, gzip/brotli, no
# cookies/headers/query strings in the key -- right for immutable generated images.
CACHING_OPTIMIZED_POLICY_ID = "658327ea-f89d-4fab-a63d-7e88639e58f6"
# AWS managed origin request policy "CORS-S3Origin": forwards Origin and the
# Access-Control-Request-* headers to S3 (the cache key stays without them). Id from AWS's
# CloudFront Developer Guide, "Use managed origin request policies" (read 2026-12-01).
CORS_S3_ORIGIN_POLICY_ID = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"
S3_ORIGIN_ID = "images-bucket"
ONE_DAY_SECONDS = 86400
# One JSON line per API request: enough to trace a client report to the function's logs.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "requestTime": "$context.requestTime",
        "sourceIp": "$context.identity.sourceIp",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "integrationLatency": "$context.integrationLatency",
        "integrationError": "$context.integrationErrorMessage",
    },
    separators=(",", ":"),
)
# Stage-wide throttling in front of the application's own rate limits.
THROTTLE_RATE_PER_SECOND = 20.0
THROTTLE_BURST = 40
LOG_RETENTION_DAYS = 7
DLQ_RETENTION_SECONDS = 14 * ONE_DAY_SECONDS
FUNCTION_TIMEOUT_SECONDS = 900
# Lambda refuses an SQS event source whose visibility timeout is below the function's timeout: a
# message must stay hidden while the invocation handling it may still run ("Lambda validates
# this requirement when you create or update an event source mapping", AWS Lambda Developer
# Guide, services-sqs-configure.html, read 2026-12-01). AWS suggests six times the timeout, so
# that throttled batches are retried; here the minimum keeps a dead letter the consumer could
# not apply coming back after 15 minutes rather than 90.
DLQ_VISIBILITY_SECONDS = FUNCTION_TIMEOUT_SECONDS
# How long Lambda keeps a worker event it could not start yet (throttled) before it
# dead-letters it. The handler's jobs.QUEUE_SECONDS is the same figure: a dispatched job that
# no worker started reads "failed" at the same moment Lambda gives up on its event.
WORKER_EVENT_MAX_AGE_SECONDS = 360
# Said explicitly for stateful resources whose data is disposable: a retained log group
# named after the function would make re-creating a stack of the same name fail.
DISPOSABLE = {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"}


def _tags(params: Params) -> Tags:
    return Tags(Project=PROJECT, Environment=Ref(params.environment), ManagedBy=MANAGED_BY)


def _tag_map(params: Params) -> dict[str, object]:
    """ApiGatewayV2 Api and Stage take tags as a plain map, not a list."""
    return {"Project": PROJECT, "Environment": Ref(params.environment), "ManagedBy": MANAGED_BY}


def _lifecycle_rules() -> list[s3.LifecycleRule]:
    return [
        s3.LifecycleRule(
            Id=f"expire-{prefix.rstrip('/')}",
            Status="Enabled",
            Prefix=prefix,
            ExpirationInDays=days,
            AbortIncompleteMultipartUpload=s3.AbortIncompleteMultipartUpload(DaysAfterInitiation=1),
        )
        for prefix, days in FUNCTION_PREFIXES.items()
        if days is not None
    ]


def add_bucket(t: Template, params: Params) -> s3.Bucket:
    """Private bucket for images, job records, counters and the web page."""
    return t.add_resource(
        s3.Bucket(
            "ImagesBucket",
            Metadata=checkov_skips("CKV_AWS_18", "CKV_AWS_21"),
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
            PublicAccessBlockConfiguration=s3.PublicAccessBlockConfiguration(
                BlockPublicAcls=True,
                BlockPublicPolicy=True,
                IgnorePublicAcls=True,
                RestrictPublicBuckets=True,
            ),
            OwnershipControls=s3.OwnershipControls(
                Rules=[s3.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]
            ),
            BucketEncryption=s3.BucketEncryption(
                ServerSideEncryptionConfiguration=[
                    s3.ServerSideEncryptionRule(
                        ServerSideEncryptionByDefault=s3.ServerSideEncryptionByDefault(
                            SSEAlgorithm="AES256"
                        )
                    )
                ]
            ),
            CorsConfiguration=s3.CorsConfiguration(
                CorsRules=[
                    s3.CorsRules(
                        AllowedMethods=["GET", "HEAD"],
                        AllowedOrigins=["*"],
                        AllowedHeaders=["*"],
                        MaxAge=ONE_DAY_SECONDS,
                    )
                ]
            ),
            LifecycleConfiguration=s3.LifecycleConfiguration(Rules=_lifecycle_rules()),
            Tags=_tags(params),
        )
    )


def add_cdn(t: Template, params: Params, bucket: s3.Bucket) -> cf.Distribution:
    """CloudFront reading the bucket through origin access control, plus the bucket policy.

    Two behaviours: `images/*` (CORS for other origins) and the default, the web page
    (security headers). The bucket policy lets CloudFront read only the images and the page's
    files, so job records and counters answer 403 through the CDN.
    """
    images_headers = edge.add_images_headers_policy(t)
    page_headers = edge.add_page_headers_policy(t)
    oac = t.add_resource(
        cf.OriginAccessControl(
            "ImagesOriginAccessControl",
            OriginAccessControlConfig=cf.OriginAccessControlConfig(
                Name=Sub("${AWS::StackName}-images"),
                Description="CloudFront signs its requests to the images bucket",
                OriginAccessControlOriginType="s3",
                SigningBehavior="always",
                SigningProtocol="sigv4",
            ),
        )
    )
    distribution = t.add_resource(
        cf.Distribution(
            "ImagesDistribution",
            Metadata=checkov_skips("CKV_AWS_68", "CKV_AWS_86", "CKV_AWS_174"),
            DistributionConfig=cf.DistributionConfig(
                Comment=Sub("${AWS::StackName} images and web page"),
                Enabled=True,
                DefaultRootObject="index.html",
                HttpVersion="http2and3",
                IPV6Enabled=True,
                PriceClass=Ref(params.price_class),
                Origins=[
                    cf.Origin(
                        Id=S3_ORIGIN_ID,
                        DomainName=GetAtt(bucket, "RegionalDomainName"),
                        OriginAccessControlId=GetAtt(oac, "Id"),
                        # Required with OAC: an empty identity means "no legacy OAI".
                        S3OriginConfig=cf.S3OriginConfig(OriginAccessIdentity=""),
                    )
                ],
                CacheBehaviors=[
                    cf.CacheBehavior(
                        PathPattern=IMAGES_PATTERN,
                        TargetOriginId=S3_ORIGIN_ID,
                        ViewerProtocolPolicy="redirect-to-https",
                        AllowedMethods=["GET", "HEAD"],
                        CachedMethods=["GET", "HEAD"],
                        Compress=True,
                        CachePolicyId=CACHING_OPTIMIZED_POLICY_ID,
                        OriginRequestPolicyId=CORS_S3_ORIGIN_POLICY_ID,
                        ResponseHeadersPolicyId=Ref(images_headers),
                    )
                ],
                DefaultCacheBehavior=cf.DefaultCacheBehavior(
                    TargetOriginId=S3_ORIGIN_ID,
                    ViewerProtocolPolicy="redirect-to-https",
                    AllowedMethods=["GET", "HEAD"],
                    CachedMethods=["GET", "HEAD"],
                    Compress=True,
                    CachePolicyId=CACHING_OPTIMIZED_POLICY_ID,
                    ResponseHeadersPolicyId=Ref(page_headers),
                ),
            ),
            Tags=_tags(params),
        )
    )
    t.add_resource(
        s3.BucketPolicy(
            "ImagesBucketPolicy",
            Bucket=Ref(bucket),
            PolicyDocument=policies.bucket_policy(bucket, distribution),
        )
    )
    return distribution


def add_dead_letter_queue(t: Template, params: Params) -> sqs.Queue:
    """Failed asynchronous (worker) invocations land here instead of vanishing."""
    return t.add_resource(
        sqs.Queue(
            "DeadLetterQueue",
            Metadata=checkov_skips("CKV_AWS_27"),
            **DISPOSABLE,
            SqsManagedSseEnabled=True,
            MessageRetentionPeriod=DLQ_RETENTION_SECONDS,
            VisibilityTimeout=DLQ_VISIBILITY_SECONDS,
            Tags=_tags(params),
        )
    )


def secret_string(params: Params) -> Sub:
    """The secret's JSON (see DEPLOYMENT.md, "The stack's secret"): slot number -> key.

    Built by Fn::Sub from NoEcho parameters. deploy.py refuses a key holding a quote, a
    backslash or a control character (deployer.params.key_problem), so the result is valid
    JSON; the template itself has no AllowedPattern for them, to stay within CloudFormation's
    inline template size (a console deploy with such a key gets a secret the function reports
    as unreadable, in a sentence).
    """
    keys = ",".join(f'"{slot.index}":"${{{slot.key.title}}}"' for slot in params.models)
    return Sub(
        '{"format":1,"keys":{'
        + keys
        + '},"rateLimitSalt":"${'
        + params.rate_limit_salt.title
        + '}"}'
    )


def add_secret(t: Template, params: Params) -> secretsmanager.Secret:
    """One secret per stack: the provider keys and the rate-limit HMAC key."""
    return t.add_resource(
        secretsmanager.Secret(
            "StackSecret",
            Metadata=checkov_skips("CKV_AWS_149", "CKV2_AWS_57"),
            **DISPOSABLE,
            Description=Sub("${AWS::StackName}: provider API keys and the rate-limit HMAC key"),
            SecretString=secret_string(params),
            Tags=_tags(params),
        )
    )


def add_log_group(t: Template, params: Params) -> logs.LogGroup:
    return t.add_resource(
        logs.LogGroup(
            "FunctionLogGroup",
            Metadata=checkov_skips("CKV_AWS_158"),
            **DISPOSABLE,
            LogGroupName=Sub("/aws/lambda/" + FUNCTION_NAME),
            RetentionInDays=LOG_RETENTION_DAYS,
            Tags=_tags(params),
        )
    )


def add_role(
    t: Template,
    params: Params,
    bucket: s3.Bucket,
    log_group: logs.LogGroup,
    dlq: sqs.Queue,
    secret: secretsmanager.Secret,
) -> iam.Role:
    return t.add_resource(
        iam.Role(
            "FunctionRole",
            AssumeRolePolicyDocument=policies.lambda_assume_role_policy(),
            Policies=[
                iam.Policy(
                    PolicyName="function-resources",
                    PolicyDocument=policies.function_policy(bucket, log_group, dlq, secret),
                )
            ],
            Tags=_tags(params),
        )
    )


def _environment(
    params: Params,
    bucket: s3.Bucket,
    distribution: cf.Distribution,
    secret: secretsmanager.Secret,
) -> dict:
    """Names and settings only: the keys stay in the secret, which the function reads itself."""
    env: dict[str, object] = {Env.MODEL_COUNT: Ref(params.model_count)}
    for slot in params.models:
        env[Env.model_name(slot.index)] = Ref(slot.name)
    env.update(
        {
            Env.PROVIDER_SECRET_ARN: Ref(secret),
            # Changes with the secret's content: Lambda then starts new execution environments,
            # which read the new secret on their first request.
            Env.PROVIDER_SECRET_VERSION: Ref(params.keys_version),
            Env.PROMPT_MODEL_INDEX: Ref(params.prompt_model_index),
            Env.GLOBAL_RATE_LIMIT: Ref(params.global_rate_limit),
            Env.IP_RATE_LIMIT: Ref(params.ip_rate_limit),
            Env.IP_WHITELIST: Ref(params.ip_whitelist),
            Env.S3_BUCKET: Ref(bucket),
            Env.CLOUDFRONT_DOMAIN: GetAtt(distribution, "DomainName"),
            Env.ENVIRONMENT: Ref(params.environment),
        }
    )
    return env


def add_function(
    t: Template,
    params: Params,
    *,
    role: iam.Role,
    bucket: s3.Bucket,
    distribution: cf.Distribution,
    dlq: sqs.Queue,
    log_group: logs.LogGroup,
    secret: secretsmanager.Secret,
) -> lam.Function:
    return t.add_resource(
        lam.Function(
            "GeneratorFunction",
            Metadata=checkov_skips("CKV_AWS_117", "CKV_AWS_173"),
            FunctionName=Sub(FUNCTION_NAME),
            Description="Pixel Prompt API and asynchronous image-generation worker",
            Runtime="python3.12",
            Handler="lambda_function.lambda_handler",
            MemorySize=3008,
            Timeout=FUNCTION_TIMEOUT_SECONDS,
            Code=lam.Code(S3Bucket=Ref(params.code_bucket), S3Key=Ref(params.code_key)),
            Role=GetAtt(role, "Arn"),
            ReservedConcurrentExecutions=If(
                HAS_RESERVED_CONCURRENCY, Ref(params.reserved_concurrency), NoValue
            ),
            DeadLetterConfig=lam.DeadLetterConfig(TargetArn=GetAtt(dlq, "Arn")),
            Environment=lam.Environment(
                Variables=_environment(params, bucket, distribution, secret)
            ),
            # The log group must exist first, or Lambda would create an unmanaged one.
            DependsOn=[log_group],
            Tags=_tags(params),
        )
    )


def add_async_invoke_config(t: Template, function: lam.Function) -> None:
    """No automatic retry of the worker's asynchronous event: a retried run could send paid
    model requests a second time. (The worker also claims each model in the job record before
    sending it, because Lambda may deliver an event more than once even so.) A failed event
    still reaches the dead-letter queue."""
    t.add_resource(
        lam.EventInvokeConfig(
            "WorkerEventInvokeConfig",
            FunctionName=Ref(function),
            Qualifier="$LATEST",
            MaximumRetryAttempts=0,
            # A queued event Lambda could not start within this is dead-lettered; the handler's
            # jobs.QUEUE_SECONDS is the same figure, the deadline of a dispatched, unstarted job.
            MaximumEventAgeInSeconds=WORKER_EVENT_MAX_AGE_SECONDS,
        )
    )


def add_function_policies(
    t: Template, params: Params, role: iam.Role, function: lam.Function
) -> iam.PolicyType:
    """Policies that name the function or depend on parameters, attached to its role.

    Self-invocation needs the function's ARN, and the function needs the role's ARN: an
    inline statement on the role would be a circular reference. A separate AWS::IAM::Policy
    depends on both and breaks the cycle. Returns the self-invoke policy.
    """
    t.add_resource(
        iam.PolicyType(
            "BedrockInvokePolicy",
            Condition=HAS_BEDROCK_MODELS,
            PolicyName="invoke-named-bedrock-models",
            PolicyDocument=policies.bedrock_policy(params),
            Roles=[Ref(role)],
        )
    )
    return t.add_resource(
        iam.PolicyType(
            "SelfInvokePolicy",
            PolicyName="invoke-self-async",
            PolicyDocument=policies.self_invoke_policy(function),
            Roles=[Ref(role)],
        )
    )


def add_dead_letter_consumer(
    t: Template, params: Params, function: lam.Function, dlq: sqs.Queue
) -> lam.EventSourceMapping:
    """Worker events Lambda gave up on go back to the function, which ends their jobs at once.

    The DLQ stays the durable record (a message the function cannot apply comes back after the
    visibility timeout, for 14 days); the mapping only makes "dead" visible in seconds.
    """
    mapping = t.add_resource(
        lam.EventSourceMapping(
            "DeadLetterConsumer",
            EventSourceArn=GetAtt(dlq, "Arn"),
            FunctionName=Ref(function),
            Enabled=True,
            BatchSize=10,
            MaximumBatchingWindowInSeconds=0,  # deliver each dead letter as it arrives
            FunctionResponseTypes=["ReportBatchItemFailures"],
            Tags=_tags(params),
        )
    )
    # Two (the minimum) at most: dead letters are rare and must not take the concurrency that
    # runs jobs. Set as a plain property: troposphere's ScalingConfig class is the function's
    # (MaxEnvironments), not the event source mapping's (MaximumConcurrency).
    mapping.properties["ScalingConfig"] = {"MaximumConcurrency": 2}
    return mapping


def add_http_api(
    t: Template, params: Params, function: lam.Function, self_invoke: iam.PolicyType
) -> apigw.Api:
    api = t.add_resource(
        apigw.Api(
            "HttpApi",
            Name=Sub("${AWS::StackName}-api"),
            ProtocolType="HTTP",
            CorsConfiguration=apigw.Cors(
                AllowOrigins=list(CORS.allow_origins),
                AllowMethods=list(CORS.allow_methods),
                AllowHeaders=list(CORS.allow_headers),
                ExposeHeaders=list(CORS.expose_headers),
                MaxAge=CORS.max_age_seconds,
            ),
            Tags=_tag_map(params),
        )
    )
    integration = t.add_resource(
        apigw.Integration(
            "FunctionIntegration",
            ApiId=Ref(api),
            IntegrationType="AWS_PROXY",
            IntegrationUri=GetAtt(function, "Arn"),
            PayloadFormatVersion="2.0",
        )
    )
    for route in ROUTES:
        t.add_resource(
            apigw.Route(
                route.logical_id,
                ApiId=Ref(api),
                RouteKey=route.key,
                Target=Sub("integrations/${IntegrationId}", IntegrationId=Ref(integration)),
            )
        )
    access_logs = t.add_resource(
        logs.LogGroup(
            "ApiAccessLogGroup",
            Metadata=checkov_skips("CKV_AWS_158"),
            **DISPOSABLE,
            RetentionInDays=LOG_RETENTION_DAYS,
            Tags=_tags(params),
        )
    )
    t.add_resource(
        apigw.Stage(
            "DefaultStage",
            ApiId=Ref(api),
            StageName="$default",
            AutoDeploy=True,
            AccessLogSettings=apigw.AccessLogSettings(
                # Built from the name: the Arn attribute ends in ":*", which API Gateway refuses.
                DestinationArn=Sub(
                    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${Name}",
                    Name=Ref(access_logs),
                ),
                Format=ACCESS_LOG_FORMAT,
            ),
            DefaultRouteSettings=apigw.RouteSettings(
                ThrottlingRateLimit=THROTTLE_RATE_PER_SECOND,
                ThrottlingBurstLimit=THROTTLE_BURST,
            ),
            Tags=_tag_map(params),
        )
    )
    t.add_resource(
        lam.Permission(
            "ApiInvokePermission",
            Action="lambda:InvokeFunction",
            FunctionName=Ref(function),
            Principal="apigateway.amazonaws.com",
            SourceArn=Sub(
                "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${ApiId}/*",
                ApiId=Ref(api),
            ),
            # Requests reach the function only once it can hand jobs to itself.
            DependsOn=[self_invoke],
        )
    )
    return api


@dataclass(frozen=True)
class Metric:
    """One CloudWatch metric an alarm watches."""

    namespace: str
    name: str
    dimension: cw.MetricDimension
    statistic: str


def _alarm(t: Template, params: Params, title: str, metric: Metric) -> None:
    """Alarm as soon as one event appears in a 5-minute window; quiet when there is no data."""
    t.add_resource(
        cw.Alarm(
            title,
            AlarmDescription=Sub(f"${{AWS::StackName}}: {metric.name} in the last 5 minutes"),
            Namespace=metric.namespace,
            MetricName=metric.name,
            Dimensions=[metric.dimension],
            Statistic=metric.statistic,
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            TreatMissingData="notBreaching",
            Tags=_tags(params),
        )
    )


def add_alarms(t: Template, params: Params, function: lam.Function, dlq: sqs.Queue) -> None:
    by_function = cw.MetricDimension(Name="FunctionName", Value=Ref(function))
    by_queue = cw.MetricDimension(Name="QueueName", Value=GetAtt(dlq, "QueueName"))
    _alarm(t, params, "FunctionErrorsAlarm", Metric("AWS/Lambda", "Errors", by_function, "Sum"))
    _alarm(
        t, params, "FunctionThrottlesAlarm", Metric("AWS/Lambda", "Throttles", by_function, "Sum")
    )
    # A failed worker run means a job that never finished: worth a look every time.
    # Counted on arrival: the consumer deletes a dead letter within seconds, so the number of
    # visible messages would rarely show one.
    dead_letters = Metric("AWS/SQS", "NumberOfMessagesSent", by_queue, "Sum")
    _alarm(t, params, "DeadLetterQueueAlarm", dead_letters)


def add_outputs(
    t: Template,
    *,
    api: apigw.Api,
    distribution: cf.Distribution,
    bucket: s3.Bucket,
    function: lam.Function,
    dlq: sqs.Queue,
) -> None:
    domain = GetAtt(distribution, "DomainName")
    t.add_output(
        [
            Output(
                "ApiEndpoint", Description="HTTP API base URL", Value=GetAtt(api, "ApiEndpoint")
            ),
            Output("CloudFrontDomain", Description="CloudFront domain name", Value=domain),
            Output(
                "CloudFrontUrl",
                Description="CloudFront base URL for images",
                Value=Sub("https://${Domain}", Domain=domain),
            ),
            Output(
                "WebUrl",
                Description="The web page (served at the CloudFront root)",
                Value=Sub("https://${Domain}/", Domain=domain),
            ),
            Output("S3BucketName", Description="Images and jobs bucket", Value=Ref(bucket)),
            Output("FunctionName", Description="Lambda function name", Value=Ref(function)),
            Output(
                "DeadLetterQueueUrl",
                Description="SQS queue receiving failed asynchronous invocations",
                Value=Ref(dlq),
            ),
        ]
    )


def build_template() -> Template:
    """The whole stack as a troposphere Template (pure: no I/O, same result every call)."""
    t = Template(Description="Pixel Prompt Complete: one prompt, up to 20 text-to-image models")
    t.set_version("2010-09-09")
    params = add_parameters(t)
    bucket = add_bucket(t, params)
    distribution = add_cdn(t, params, bucket)
    dlq = add_dead_letter_queue(t, params)
    log_group = add_log_group(t, params)
    secret = add_secret(t, params)
    role = add_role(t, params, bucket, log_group, dlq, secret)
    function = add_function(
        t,
        params,
        role=role,
        bucket=bucket,
        distribution=distribution,
        dlq=dlq,
        log_group=log_group,
        secret=secret,
    )
    self_invoke = add_function_policies(t, params, role, function)
    add_async_invoke_config(t, function)
    add_dead_letter_consumer(t, params, function, dlq)
    api = add_http_api(t, params, function, self_invoke)
    add_alarms(t, params, function, dlq)
    add_outputs(t, api=api, distribution=distribution, bucket=bucket, function=function, dlq=dlq)
    return t


def template_json() -> str:
    """The template as compact JSON with sorted keys: the same bytes on every run.

    Compact because CloudFormation takes at most 51,200 bytes as an inline TemplateBody;
    indented, the 40 model parameters and their labels would push it past that.
    """
    return build_template().to_json(indent=None, separators=(",", ":")) + "\n"


def main() -> int:
    sys.stdout.write(template_json())
    return 0
