"""Install every patch once, before the server answers its first request."""

from __future__ import annotations

import threading

from local.aws import (
    changesets,
    events,
    intrinsics,
    invoke,
    operations,
    parameters,
    resourcemap,
    s3atomic,
    s3policy,
    template_url,
)

# Every patch here was written against this moto release (requirements.txt pins it). They
# replace or wrap moto's private internals, listed below; tests/localaws/test_moto_version.py
# fails on any other release, and when one of these is gone, so an upgrade is a deliberate
# review of each patch rather than a silent change in behaviour.
MOTO_VERSION = "5.2.5"
PATCHED = (
    "moto.cloudformation.models:ChangeSet.diff",
    "moto.cloudformation.models:CloudFormationBackend.create_change_set",
    "moto.cloudformation.models:CloudFormationBackend.delete_stack",
    "moto.cloudformation.models:CloudFormationBackend.execute_change_set",
    "moto.cloudformation.models:Stack._add_stack_event",
    "moto.cloudformation.models:Stack.parameter_list",
    "moto.cloudformation.models:Stack.stack_resources",
    "moto.cloudformation.responses:CloudFormationResponse.create_change_set",
    "moto.cloudformation.responses:CloudFormationResponse.delete_stack",
    "moto.cloudformation.responses:CloudFormationResponse.execute_change_set",
    "moto.cloudformation.responses:CloudFormationResponse.list_change_sets",
    "moto.cloudformation.responses:CloudFormationResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER",
    "moto.cloudformation.parsing:parse_and_create_resource",
    "moto.cloudformation.parsing:parse_and_update_resource",
    "moto.cloudformation.parsing:ResourceMap._delete_resource",
    "moto.cloudformation.parsing:get_model_map",
    "moto.cloudformation.parsing:NULL_MODELS",
    "moto.s3.models:FakeBucket.get_permission",
    "moto.s3.responses:S3Response.key_response",
    "moto.awslambda.models:LambdaFunction.__init__",
    "moto.awslambda.models:LambdaFunction.get_configuration",
    "moto.awslambda.models:LambdaFunction.update_configuration",
    "moto.awslambda.responses:LambdaResponse.invoke",
    "moto.awslambda.responses:LambdaResponse.invoke_async",
)

_lock = threading.Lock()
_installed = False


def install() -> None:
    """Idempotent: resource models, change sets, stack events, invoke hook, bucket policies,
    atomic object writes."""
    global _installed
    with _lock:
        if _installed:
            return
        from local.aws import cfn  # defining the models registers them with moto

        cfn.register()
        resourcemap.install()
        changesets.install()
        operations.install()
        parameters.install()
        intrinsics.install()
        events.install()
        invoke.install()
        s3policy.install()
        s3atomic.install()
        template_url.install()
        _installed = True
