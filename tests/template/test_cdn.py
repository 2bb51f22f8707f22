"""CloudFront through origin access control, and a bucket policy that trusts only it."""

from __future__ import annotations

from tests.template._lookup import of_type, only, props

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


def test_origin_uses_origin_access_control_not_an_identity(resources) -> None:
    oac, oac_res = only(resources, "AWS::CloudFront::OriginAccessControl")
    bucket, _ = only(resources, "AWS::S3::Bucket")
    config = props(resources, "AWS::CloudFront::Distribution")["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac, "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert origin["DomainName"] == {"Fn::GetAtt": [bucket, "RegionalDomainName"]}
    signing = oac_res["Properties"]["OriginAccessControlConfig"]
    assert (signing["OriginAccessControlOriginType"], signing["SigningBehavior"]) == (
        "s3",
        "always",
    )
    assert not of_type(resources, "AWS::CloudFront::CloudFrontOriginAccessIdentity")


def test_default_behaviour_redirects_to_https_and_compresses(resources) -> None:
    config = props(resources, "AWS::CloudFront::Distribution")["DistributionConfig"]
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["AllowedMethods"] == behaviour["CachedMethods"] == ["GET", "HEAD"]
    assert behaviour["Compress"] is True
    assert behaviour["CachePolicyId"] == CACHING_OPTIMIZED
    assert behaviour["TargetOriginId"] == config["Origins"][0]["Id"]


def test_web_page_is_served_at_the_root_with_the_chosen_price_class(resources) -> None:
    config = props(resources, "AWS::CloudFront::Distribution")["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    assert config["PriceClass"] == {"Ref": "PriceClass"}
    assert config["Enabled"] is True


def _bucket_statements(resources) -> dict[str, dict]:
    policy = props(resources, "AWS::S3::BucketPolicy")
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}


def test_bucket_policy_lets_only_this_distribution_read(resources) -> None:
    distribution, _ = only(resources, "AWS::CloudFront::Distribution")
    bucket, _ = only(resources, "AWS::S3::Bucket")
    assert props(resources, "AWS::S3::BucketPolicy")["Bucket"] == {"Ref": bucket}
    allows = [s for s in _bucket_statements(resources).values() if s["Effect"] == "Allow"]
    (read,) = allows
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert read["Action"] == ["s3:GetObject"]
    source_arn = read["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source_arn[0].endswith(":distribution/${DistributionId}")
    assert source_arn[1] == {"DistributionId": {"Ref": distribution}}


def test_bucket_policy_denies_requests_without_tls(resources) -> None:
    bucket, _ = only(resources, "AWS::S3::Bucket")
    (deny,) = [s for s in _bucket_statements(resources).values() if s["Effect"] == "Deny"]
    assert deny["Principal"] == "*"
    assert deny["Action"] == ["s3:*"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert {"Fn::GetAtt": [bucket, "Arn"]} in deny["Resource"]
    assert len(deny["Resource"]) == 2  # the bucket and every object in it
