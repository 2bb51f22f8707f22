"""AWS::CloudFront::OriginAccessControl and Distribution land in moto's cloudfront backend."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.localaws.helpers import delete, deploy, outputs, physical_ids

TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket"},
        "Oac": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": "site-oac",
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        "Cdn": {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {
                "DistributionConfig": {
                    "Comment": "first",
                    "Enabled": True,
                    "DefaultRootObject": "index.html",
                    "HttpVersion": "http2and3",
                    "IPV6Enabled": True,
                    "PriceClass": "PriceClass_100",
                    "Origins": [
                        {
                            "Id": "bucket",
                            "DomainName": {"Fn::GetAtt": ["Bucket", "RegionalDomainName"]},
                            "OriginAccessControlId": {"Fn::GetAtt": ["Oac", "Id"]},
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        }
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "bucket",
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "AllowedMethods": ["GET", "HEAD"],
                        "CachedMethods": ["GET", "HEAD"],
                        "Compress": True,
                        "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
                    },
                    "CacheBehaviors": [
                        {
                            "PathPattern": "images/*",
                            "TargetOriginId": "bucket",
                            "ViewerProtocolPolicy": "https-only",
                            "AllowedMethods": ["GET", "HEAD", "OPTIONS"],
                        }
                    ],
                },
                "Tags": [{"Key": "Project", "Value": "pixel-prompt-complete"}],
            },
        },
    },
    "Outputs": {
        "DistributionId": {"Value": {"Ref": "Cdn"}},
        "DistributionIdAttr": {"Value": {"Fn::GetAtt": ["Cdn", "Id"]}},
        "Domain": {"Value": {"Fn::GetAtt": ["Cdn", "DomainName"]}},
        "OacId": {"Value": {"Ref": "Oac"}},
    },
}


def test_distribution_with_oac_create_update_delete(cfn: Any, client: Callable[[str], Any]) -> None:
    cloudfront = client("cloudfront")
    stack = deploy(cfn, "cdn", TEMPLATE)
    out = outputs(stack)
    ids = physical_ids(cfn, "cdn")
    assert out["DistributionId"] == out["DistributionIdAttr"] == ids["Cdn"]
    assert out["OacId"] == ids["Oac"]

    dist = cloudfront.get_distribution(Id=out["DistributionId"])["Distribution"]
    assert dist["DomainName"] == out["Domain"]
    assert out["Domain"].endswith(".cloudfront.net")
    config = dist["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    assert config["Comment"] == "first"
    assert config["PriceClass"] == "PriceClass_100"
    assert config["IsIPV6Enabled"] is True
    origin = config["Origins"]["Items"][0]
    assert origin["OriginAccessControlId"] == out["OacId"]
    assert origin["DomainName"] == f"{ids['Bucket']}.s3.us-east-1.amazonaws.com"
    default = config["DefaultCacheBehavior"]
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    assert default["Compress"] is True
    assert sorted(default["AllowedMethods"]["Items"]) == ["GET", "HEAD"]
    behavior = config["CacheBehaviors"]["Items"][0]
    assert behavior["PathPattern"] == "images/*"
    assert sorted(behavior["AllowedMethods"]["Items"]) == ["GET", "HEAD", "OPTIONS"]
    oac = cloudfront.get_origin_access_control(Id=out["OacId"])["OriginAccessControl"]
    assert oac["OriginAccessControlConfig"]["Name"] == "site-oac"
    tags = cloudfront.list_tags_for_resource(Resource=dist["ARN"])["Tags"]["Items"]
    assert tags == [{"Key": "Project", "Value": "pixel-prompt-complete"}]

    # In place, as on AWS: same distribution, same domain, new settings.
    changed = copy.deepcopy(TEMPLATE)
    dist_cfg = changed["Resources"]["Cdn"]["Properties"]["DistributionConfig"]
    dist_cfg["Comment"] = "second"
    dist_cfg["DefaultCacheBehavior"]["ViewerProtocolPolicy"] = "https-only"
    changed["Resources"]["Oac"]["Properties"]["OriginAccessControlConfig"]["Name"] = "renamed"
    stack = deploy(cfn, "cdn", changed)
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert outputs(stack) == out
    config = cloudfront.get_distribution(Id=out["DistributionId"])["Distribution"]
    assert config["DistributionConfig"]["Comment"] == "second"
    assert config["DistributionConfig"]["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == (
        "https-only"
    )
    oac = cloudfront.get_origin_access_control(Id=out["OacId"])["OriginAccessControl"]
    assert oac["OriginAccessControlConfig"]["Name"] == "renamed"

    delete(cfn, "cdn")
    assert cloudfront.list_distributions()["DistributionList"]["Quantity"] == 0
    with pytest.raises(ClientError):
        cloudfront.get_origin_access_control(Id=out["OacId"])
