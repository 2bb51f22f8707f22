"""AWS::ApiGatewayV2::Api, Route, Integration and Stage in moto's apigatewayv2 backend.

Refs are what CloudFormation returns: the API id, route id, integration id and stage name.
Updates change the existing objects in place (same ids), as API Gateway does.
"""

from __future__ import annotations

from typing import Any

from moto.apigatewayv2.models import (
    Api,
    ApiGatewayV2Backend,
    Integration,
    Route,
    Stage,
    apigatewayv2_backends,
)
from moto.core.common_models import CloudFormationModel

from local.aws.cfn.common import ResourceType, properties, tag_dict


def _backend(account_id: str, region_name: str) -> ApiGatewayV2Backend:
    return apigatewayv2_backends[account_id][region_name]


def _camel(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """CloudFormation's PascalCase keys to the REST API's camelCase ones (one level)."""
    if value is None:
        return None
    return {k[:1].lower() + k[1:]: v for k, v in value.items()}


def _set_tags(backend: ApiGatewayV2Backend, arn: str, tags: dict[str, str]) -> None:
    backend.tagger.delete_all_tags_for_resource(arn)
    backend.tag_resource(arn, tags)


class ApiResource(ResourceType, CloudFormationModel):
    cfn_type = "AWS::ApiGatewayV2::Api"
    getatt_names = frozenset({"ApiEndpoint", "ApiId"})

    def __init__(self, api: Api) -> None:
        self.api_id = api.api_id
        self.api_endpoint = api.api_endpoint

    @property
    def physical_resource_id(self) -> str:
        return self.api_id

    def getatt_values(self) -> dict[str, Any]:
        return {"ApiEndpoint": self.api_endpoint, "ApiId": self.api_id}

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> ApiResource:
        props = properties(cloudformation_json)
        if "Body" in props or "BodyS3Location" in props:
            raise NotImplementedError("localaws: AWS::ApiGatewayV2::Api from an OpenAPI body")
        api = _backend(account_id, region_name).create_api(
            api_key_selection_expression=props.get("ApiKeySelectionExpression"),
            cors_configuration=_camel(props.get("CorsConfiguration")),
            description=props.get("Description"),
            disable_schema_validation=props.get("DisableSchemaValidation"),
            disable_execute_api_endpoint=props.get("DisableExecuteApiEndpoint"),
            name=props.get("Name", resource_name),
            protocol_type=props.get("ProtocolType", "HTTP"),
            route_selection_expression=props.get("RouteSelectionExpression"),
            tags=tag_dict(props.get("Tags")),
            version=props.get("Version"),
        )
        return cls(api)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: ApiResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> ApiResource:
        props = properties(cloudformation_json)
        backend = _backend(account_id, region_name)
        api = backend.get_api(original_resource.api_id)
        api.name = props.get("Name", api.name)
        api.description = props.get("Description")
        api.cors_configuration = _camel(props.get("CorsConfiguration"))
        api.disable_execute_api_endpoint = props.get("DisableExecuteApiEndpoint", False)
        api.disable_schema_validation = props.get("DisableSchemaValidation")
        api.version = props.get("Version")
        if "RouteSelectionExpression" in props:
            api.route_selection_expression = props["RouteSelectionExpression"]
        if "ApiKeySelectionExpression" in props:
            api.api_key_selection_expression = props["ApiKeySelectionExpression"]
        _set_tags(backend, api.arn, tag_dict(props.get("Tags")))
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        _backend(account_id, region_name).delete_api(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_api(self.api_id)


class _ApiChild(ResourceType):
    """A Route or Integration: an object inside an HTTP API, addressed by (ApiId, its id).

    A mixin rather than a base class: moto discovers CloudFormation models only among the
    direct subclasses of CloudFormationModel.
    """

    id_attribute: str  # the GetAtt name of the child's id, e.g. "RouteId"
    collection: str  # the Api attribute holding these children, e.g. "routes"

    def __init__(self, api_id: str, child_id: str) -> None:
        self.api_id = api_id
        self.child_id = child_id

    @property
    def physical_resource_id(self) -> str:
        return self.child_id

    def getatt_values(self) -> dict[str, Any]:
        return {self.id_attribute: self.child_id}

    @classmethod
    def _create(cls, backend: ApiGatewayV2Backend, api_id: str, props: dict[str, Any]) -> str:
        raise NotImplementedError

    @classmethod
    def _rebuild(cls, api: Api, child_id: str, props: dict[str, Any]) -> None:
        raise NotImplementedError

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> _ApiChild:
        props = properties(cloudformation_json)
        child_id = cls._create(_backend(account_id, region_name), props["ApiId"], props)
        return cls(props["ApiId"], child_id)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: _ApiChild,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> _ApiChild:
        props = properties(cloudformation_json)
        if props["ApiId"] != original_resource.api_id:  # ApiId needs replacement
            new = cls.create_from_cloudformation_json(
                new_resource_name, cloudformation_json, account_id, region_name
            )
            original_resource.delete(account_id, region_name)
            return new
        api = _backend(account_id, region_name).get_api(original_resource.api_id)
        # Rebuilt rather than updated in place: moto's update cannot clear a removed property.
        cls._rebuild(api, original_resource.child_id, props)
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        api_id = properties(cloudformation_json)["ApiId"]
        api = _backend(account_id, region_name).get_api(api_id)
        getattr(api, cls.collection).pop(resource_name, None)

    def delete(self, account_id: str, region_name: str) -> None:
        api = _backend(account_id, region_name).apis.get(self.api_id)
        if api is not None:
            getattr(api, self.collection).pop(self.child_id, None)


def _route_kwargs(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "api_key_required": props.get("ApiKeyRequired", False),
        "authorization_scopes": props.get("AuthorizationScopes", []),
        "authorization_type": props.get("AuthorizationType", "NONE"),
        "authorizer_id": props.get("AuthorizerId"),
        "model_selection_expression": props.get("ModelSelectionExpression"),
        "operation_name": props.get("OperationName"),
        "request_models": props.get("RequestModels"),
        "request_parameters": props.get("RequestParameters"),
        "route_key": props["RouteKey"],
        "route_response_selection_expression": props.get("RouteResponseSelectionExpression"),
        "target": props.get("Target"),
    }


class RouteResource(_ApiChild, CloudFormationModel):
    cfn_type = "AWS::ApiGatewayV2::Route"
    id_attribute = "RouteId"
    getatt_names = frozenset({id_attribute})
    collection = "routes"

    @classmethod
    def _create(cls, backend: ApiGatewayV2Backend, api_id: str, props: dict[str, Any]) -> str:
        return backend.create_route(api_id=api_id, **_route_kwargs(props)).route_id

    @classmethod
    def _rebuild(cls, api: Api, child_id: str, props: dict[str, Any]) -> None:
        old = api.get_route(child_id)
        route = Route(**_route_kwargs(props))
        route.route_id = old.route_id
        route.route_responses = old.route_responses
        api.routes[route.route_id] = route


def _integration_kwargs(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "connection_id": props.get("ConnectionId"),
        "connection_type": props.get("ConnectionType", "INTERNET"),
        "content_handling_strategy": props.get("ContentHandlingStrategy"),
        "credentials_arn": props.get("CredentialsArn"),
        "description": props.get("Description"),
        "integration_method": props.get("IntegrationMethod"),
        "integration_type": props["IntegrationType"],
        "integration_uri": props.get("IntegrationUri"),
        "passthrough_behavior": props.get("PassthroughBehavior"),
        "payload_format_version": props.get("PayloadFormatVersion"),
        "integration_subtype": props.get("IntegrationSubtype"),
        "request_parameters": props.get("RequestParameters"),
        "request_templates": props.get("RequestTemplates"),
        "response_parameters": props.get("ResponseParameters"),
        "template_selection_expression": props.get("TemplateSelectionExpression"),
        "timeout_in_millis": props.get("TimeoutInMillis"),
        "tls_config": props.get("TlsConfig"),
    }


class IntegrationResource(_ApiChild, CloudFormationModel):
    cfn_type = "AWS::ApiGatewayV2::Integration"
    id_attribute = "IntegrationId"
    getatt_names = frozenset({id_attribute})
    collection = "integrations"

    @classmethod
    def _create(cls, backend: ApiGatewayV2Backend, api_id: str, props: dict[str, Any]) -> str:
        return backend.create_integration(api_id=api_id, **_integration_kwargs(props)).id

    @classmethod
    def _rebuild(cls, api: Api, child_id: str, props: dict[str, Any]) -> None:
        old = api.get_integration(child_id)
        integration = Integration(**_integration_kwargs(props))
        integration.id = old.id
        integration.responses = old.responses
        api.integrations[integration.id] = integration


def _stage_config(props: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {
        "stageName": props["StageName"],
        "stageVariables": props.get("StageVariables", {}),
        "tags": tag_dict(props.get("Tags")),
        "routeSettings": {k: _camel(v) for k, v in (props.get("RouteSettings") or {}).items()},
    }
    optional = {
        "AutoDeploy": "autoDeploy",
        "ClientCertificateId": "clientCertificateId",
        "Description": "description",
        "DeploymentId": "deploymentId",
    }
    for cfn_key, api_key in optional.items():
        if cfn_key in props:
            config[api_key] = props[cfn_key]
    if "DefaultRouteSettings" in props:
        config["defaultRouteSettings"] = _camel(props["DefaultRouteSettings"])
    if "AccessLogSettings" in props:
        config["accessLogSettings"] = _camel(props["AccessLogSettings"])
    return config


class StageResource(ResourceType, CloudFormationModel):
    cfn_type = "AWS::ApiGatewayV2::Stage"

    def __init__(self, api_id: str, stage_name: str) -> None:
        self.api_id = api_id
        self.stage_name = stage_name

    @property
    def physical_resource_id(self) -> str:
        return self.stage_name

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> StageResource:
        props = properties(cloudformation_json)
        stage = _backend(account_id, region_name).create_stage(props["ApiId"], _stage_config(props))
        return cls(props["ApiId"], stage.name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: StageResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> StageResource:
        props = properties(cloudformation_json)
        same = (props["ApiId"], props["StageName"]) == (
            original_resource.api_id,
            original_resource.stage_name,
        )
        if not same:  # ApiId and StageName need replacement
            new = cls.create_from_cloudformation_json(
                new_resource_name, cloudformation_json, account_id, region_name
            )
            original_resource.delete(account_id, region_name)
            return new
        api = _backend(account_id, region_name).get_api(original_resource.api_id)
        old = api.get_stage(original_resource.stage_name)
        stage = Stage(api=api, config=_stage_config(props))
        stage.created = old.created
        api.stages[stage.name] = stage
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        api_id = properties(cloudformation_json)["ApiId"]
        _backend(account_id, region_name).get_api(api_id).stages.pop(resource_name, None)

    def delete(self, account_id: str, region_name: str) -> None:
        api = _backend(account_id, region_name).apis.get(self.api_id)
        if api is not None:
            api.stages.pop(self.stage_name, None)
