"""AWS::Lambda::Function, Permission and EventInvokeConfig, closing what stock moto leaves out.

moto's function model drops DeadLetterConfig (on create, update and in GetFunctionConfiguration),
ignores Tags, Architectures and the like from a template, never updates reserved concurrency and
cannot clear a removed environment. Its permission model has no Ref, no update and no delete,
and it has no EventInvokeConfig resource at all (only the API, whose put appends).
The functions here are still moto's LambdaFunction objects in its lambda backend.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException, UnknownFunctionException
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.awslambda.utils import get_backend
from moto.core.common_models import CloudFormationModel
from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from local.aws.cfn.common import ResourceType, properties, tag_dict

# Template properties that LambdaFunction reads from its create spec as they are.
_SPEC_KEYS = (
    "Architectures",
    "DeadLetterConfig",
    "Description",
    "Environment",
    "EphemeralStorage",
    "Handler",
    "ImageConfig",
    "KmsKeyArn",
    "Layers",
    "MemorySize",
    "PackageType",
    "ReservedConcurrentExecutions",
    "Role",
    "Runtime",
    "Timeout",
    "TracingConfig",
    "VpcConfig",
)


def _backend(account_id: str, region_name: str) -> LambdaBackend:
    return get_backend(account_id, region_name)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _environment(props: dict[str, Any]) -> dict[str, Any]:
    """Lambda's variables are strings; a Ref to a Number parameter resolves to an int in moto."""
    variables = (props.get("Environment") or {}).get("Variables") or {}
    return {"Variables": {k: _text(v) for k, v in variables.items()}}


def _check_code_location(code: dict[str, Any], account_id: str, region_name: str) -> None:
    """Lambda refuses code it cannot fetch; moto would deploy an empty function instead."""
    if "S3Bucket" not in code:
        return
    s3 = s3_backends[account_id][get_partition(region_name)]
    prefix = "Error occurred while GetObject. S3 Error Code:"
    try:
        found = s3.get_object(code["S3Bucket"], code["S3Key"])
    except MissingBucket:
        raise InvalidParameterValueException(
            f"{prefix} NoSuchBucket. S3 Error Message: The specified bucket does not exist"
        ) from None
    if found is None:
        raise InvalidParameterValueException(
            f"{prefix} NoSuchKey. S3 Error Message: The specified key does not exist."
        )


def _code(code: dict[str, Any], account_id: str, region_name: str) -> dict[str, Any]:
    _check_code_location(code, account_id, region_name)
    code = dict(code)
    if "ZipFile" in code:  # in a template, ZipFile is the handler's source text
        zipped = LambdaFunction._create_zipfile_from_plaintext_code(code["ZipFile"])
        code["ZipFile"] = base64.b64encode(zipped)
    return code


class FunctionResource(ResourceType, CloudFormationModel):
    """Factory only: the stack holds moto's LambdaFunction (Ref: name, GetAtt Arn)."""

    cfn_type = "AWS::Lambda::Function"
    cfn_name_type = "FunctionName"
    getatt_names = frozenset({"Arn"})

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> LambdaFunction:
        props = properties(cloudformation_json)
        spec = {key: props[key] for key in _SPEC_KEYS if key in props}
        if "KmsKeyArn" in spec:
            spec["KMSKeyArn"] = spec.pop("KmsKeyArn")
        spec["FunctionName"] = resource_name
        spec["Environment"] = _environment(props)
        spec["Code"] = _code(props["Code"], account_id, region_name)
        spec["Tags"] = tag_dict(props.get("Tags"))
        return _backend(account_id, region_name).create_function(spec)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: LambdaFunction,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> LambdaFunction:
        props = properties(cloudformation_json)
        if props.get("FunctionName", original_resource.function_name) != (
            original_resource.function_name
        ):  # a new name replaces the function
            new = cls.create_from_cloudformation_json(
                props["FunctionName"], cloudformation_json, account_id, region_name
            )
            original_resource.delete(account_id, region_name)
            return new
        code = _code(props["Code"], account_id, region_name)  # fail before changing anything
        fn = original_resource
        fn.update_configuration({**props, "Environment": _environment(props)})
        # What update_configuration leaves alone: removals, and properties it does not know.
        fn.environment_vars = _environment(props)["Variables"]
        fn.dead_letter_config = props.get("DeadLetterConfig")
        fn.reserved_concurrency = props.get("ReservedConcurrentExecutions")
        fn.tags = tag_dict(props.get("Tags"))
        fn.architectures = props.get("Architectures", ["x86_64"])
        fn.tracing_config = props.get("TracingConfig") or {"Mode": "PassThrough"}
        fn.ephemeral_storage = (props.get("EphemeralStorage") or {}).get("Size", 512)
        fn.memory_size = props.get("MemorySize", 128)
        fn.timeout = props.get("Timeout", 3)
        fn.description = props.get("Description", "")
        fn.update_function_code(code)
        return fn

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        _backend(account_id, region_name).delete_function(resource_name)


# Keys of AddPermission that a template's AWS::Lambda::Permission may carry.
_PERMISSION_KEYS = (
    "Action",
    "EventSourceToken",
    "FunctionUrlAuthType",
    "Principal",
    "PrincipalOrgID",
    "SourceAccount",
    "SourceArn",
)


class PermissionResource(ResourceType, CloudFormationModel):
    """A statement in the function's resource policy; its Sid is the physical id."""

    cfn_type = "AWS::Lambda::Permission"

    def __init__(self, function_name: str, statement_id: str) -> None:
        self.function_name = function_name
        self.statement_id = statement_id

    @property
    def physical_resource_id(self) -> str:
        return self.statement_id

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> PermissionResource:
        props = properties(cloudformation_json)
        statement = {key: props[key] for key in _PERMISSION_KEYS if key in props}
        statement["StatementId"] = resource_name
        backend = _backend(account_id, region_name)
        fn = backend.get_function(props["FunctionName"])
        backend.add_permission(fn.function_name, None, json.dumps(statement))
        return cls(fn.function_name, resource_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: PermissionResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> PermissionResource:
        # Every property of a Lambda permission requires replacement.
        new = cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )
        original_resource.delete(account_id, region_name)
        return new

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        function_name = properties(cloudformation_json)["FunctionName"]
        cls(function_name, resource_name).delete(account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        try:
            fn = backend.get_function(self.function_name)
        except UnknownFunctionException:
            return  # the function went first; its policy went with it
        fn.policy.statements = [
            s for s in fn.policy.statements if s.get("Sid") != self.statement_id
        ]


# Keys of PutFunctionEventInvokeConfig that a template's EventInvokeConfig may carry.
_INVOKE_CONFIG_KEYS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")


class EventInvokeConfigResource(ResourceType, CloudFormationModel):
    """The function's asynchronous-invocation settings, read by GetFunctionEventInvokeConfig."""

    cfn_type = "AWS::Lambda::EventInvokeConfig"

    def __init__(self, function_name: str, qualifier: str) -> None:
        self.function_name = function_name
        self.qualifier = qualifier

    @property
    def physical_resource_id(self) -> str:
        return f"{self.function_name}:{self.qualifier}"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> EventInvokeConfigResource:
        props = properties(cloudformation_json)
        config = {key: props[key] for key in _INVOKE_CONFIG_KEYS if key in props}
        backend = _backend(account_id, region_name)
        fn = backend.get_function(props["FunctionName"])
        fn.event_invoke_config = []  # moto's put appends, and its get reads the first
        backend.put_function_event_invoke_config(fn.function_name, config)
        return cls(fn.function_name, str(props["Qualifier"]))

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: EventInvokeConfigResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> EventInvokeConfigResource:
        return cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        # resource_name is the physical id here, "function:qualifier"; the template's
        # FunctionName may still be an unresolved Ref at delete time.
        try:
            fn = _backend(account_id, region_name).get_function(resource_name.rsplit(":", 1)[0])
        except UnknownFunctionException:
            return  # the function went first; its settings went with it
        fn.event_invoke_config = []


_original_init = LambdaFunction.__init__
_original_get_configuration = LambdaFunction.get_configuration
_original_update_configuration = LambdaFunction.update_configuration


def _init(
    self: LambdaFunction, account_id: str, spec: dict[str, Any], *args: Any, **kw: Any
) -> None:
    _original_init(self, account_id, spec, *args, **kw)
    self.dead_letter_config = spec.get("DeadLetterConfig") or None


def _get_configuration(self: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
    config = _original_get_configuration(self, on_create)
    dlq = getattr(self, "dead_letter_config", None)
    if dlq and dlq.get("TargetArn"):
        config["DeadLetterConfig"] = {"TargetArn": dlq["TargetArn"]}
    return config


def _update_configuration(self: LambdaFunction, config_updates: dict[str, Any]) -> dict[str, Any]:
    if "DeadLetterConfig" in config_updates:
        self.dead_letter_config = config_updates["DeadLetterConfig"] or None
    return _original_update_configuration(self, config_updates)


def install() -> None:
    """DeadLetterConfig on moto's LambdaFunction, for the template and the Lambda API alike."""
    if LambdaFunction.__init__ is _init:
        return
    LambdaFunction.__init__ = _init  # type: ignore[method-assign]
    LambdaFunction.get_configuration = _get_configuration  # type: ignore[method-assign]
    LambdaFunction.update_configuration = _update_configuration  # type: ignore[method-assign]
