"""openapi.json: a valid OpenAPI 3 document of exactly the API the template deploys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from tests.hardening._template import route_keys, template

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi.json"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())


def operations(spec: dict[str, Any]) -> set[str]:
    return {
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def test_document_is_valid_openapi_3(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.")
    validate(spec)  # raises OpenAPIValidationError with the offending path


def test_validator_rejects_a_broken_document(spec: dict[str, Any]) -> None:
    # GIVEN the document with one response that has no description (required by OpenAPI 3)
    broken = json.loads(json.dumps(spec))
    del broken["paths"]["/generate"]["post"]["responses"]["202"]["description"]
    # THEN validation fails: the test above can really fail
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_template_routes_are_exactly_the_documented_operations(spec: dict[str, Any]) -> None:
    assert route_keys(template()) == operations(spec)


def test_every_operation_documents_the_error_contract(spec: dict[str, Any]) -> None:
    error = spec["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "code"}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            codes = set(op["responses"])
            assert {"401", "404", "405", "429", "502", "503"} <= codes, f"{method} {path}"
            if method == "post":
                assert {"400", "413"} <= codes, f"{method} {path}"


def test_429_requires_retry_after(spec: dict[str, Any]) -> None:
    too_many = spec["components"]["responses"]["E429"]
    header = too_many["headers"]["Retry-After"]
    header = spec["components"]["headers"][header["$ref"].rsplit("/", 1)[1]]
    assert header["required"] is True


def test_private_deployments_and_the_budget_are_documented(spec: dict[str, Any]) -> None:
    scheme = spec["components"]["securitySchemes"]["accessToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert {} in spec["security"]  # a public deployment needs no token
    unauthorized = spec["components"]["responses"]["E401"]
    assert "TOKEN_REQUIRED" in unauthorized["description"]
    assert "BUDGET_EXHAUSTED" in spec["components"]["responses"]["E429"]["description"]


def test_costs_are_documented_per_result_and_per_job(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert set(schemas["Cost"]["required"]) == {"usd", "measured"}
    assert schemas["Result"]["properties"]["cost"] == {"$ref": "#/components/schemas/Cost"}
    assert schemas["Job"]["properties"]["cost"]["allOf"] == [{"$ref": "#/components/schemas/Cost"}]
