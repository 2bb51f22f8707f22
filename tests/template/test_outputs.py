"""Stack outputs that deploy.py shows and the web page is configured from."""

from __future__ import annotations

from tests.template._lookup import only

KEYS = {
    "ApiEndpoint",
    "CloudFrontDomain",
    "CloudFrontUrl",
    "WebUrl",
    "S3BucketName",
    "FunctionName",
    "DeadLetterQueueUrl",
}


def test_outputs_are_exactly_the_contract_and_described(doc) -> None:
    outputs = doc["Outputs"]
    assert set(outputs) == KEYS
    assert all(o["Description"] for o in outputs.values())


def test_output_values_point_at_the_right_resources(doc, resources) -> None:
    out = {k: v["Value"] for k, v in doc["Outputs"].items()}
    api, _ = only(resources, "AWS::ApiGatewayV2::Api")
    distribution, _ = only(resources, "AWS::CloudFront::Distribution")
    domain = {"Fn::GetAtt": [distribution, "DomainName"]}
    assert out["ApiEndpoint"] == {"Fn::GetAtt": [api, "ApiEndpoint"]}
    assert out["CloudFrontDomain"] == domain
    assert out["CloudFrontUrl"] == {"Fn::Sub": ["https://${Domain}", {"Domain": domain}]}
    assert out["WebUrl"] == {"Fn::Sub": ["https://${Domain}/", {"Domain": domain}]}
    assert out["S3BucketName"] == {"Ref": only(resources, "AWS::S3::Bucket")[0]}
    assert out["FunctionName"] == {"Ref": only(resources, "AWS::Lambda::Function")[0]}
    assert out["DeadLetterQueueUrl"] == {"Ref": only(resources, "AWS::SQS::Queue")[0]}
