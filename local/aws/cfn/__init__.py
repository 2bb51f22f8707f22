"""CloudFormation resource models that stock moto lacks or gets wrong.

moto builds its type map from the DIRECT subclasses of ``CloudFormationModel`` (in definition
order, the last one per type winning) and caches it with ``lru_cache``. Importing these modules
defines the classes; ``register`` clears the caches and checks that every type resolves to ours.
"""

from __future__ import annotations

from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel

from local.aws.cfn import (
    apigatewayv2,
    awslambda,
    cloudfront,
    cloudwatch,
    iam,
    lambda_events,
    logs,
    s3,
    secretsmanager,
    sqs,
)

MODELS: tuple[type[CloudFormationModel], ...] = (
    apigatewayv2.ApiResource,
    apigatewayv2.IntegrationResource,
    apigatewayv2.RouteResource,
    apigatewayv2.StageResource,
    awslambda.EventInvokeConfigResource,
    awslambda.FunctionResource,
    awslambda.PermissionResource,
    cloudfront.DistributionResource,
    cloudfront.OriginAccessControlResource,
    cloudfront.ResponseHeadersPolicyResource,
    cloudwatch.AlarmResource,
    iam.RoleResource,
    logs.LogGroupResource,
    s3.BucketPolicyResource,
    s3.BucketResource,
    secretsmanager.SecretResource,
    sqs.QueueResource,
)


# Private moto API, written against moto 5.2.5 (local.aws.patches.MOTO_VERSION).
def register() -> None:
    cloudfront.install()
    awslambda.install()
    lambda_events.install()
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    model_map = parsing.get_model_map()
    wrong = [
        m.cloudformation_type() for m in MODELS if model_map.get(m.cloudformation_type()) is not m
    ]
    if wrong:
        raise RuntimeError(f"localaws: moto did not pick up the models for {wrong}")
