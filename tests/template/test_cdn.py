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
    keys = [r["Fn::Sub"][0] for r in read["Resource"]]
    # the images and the page's files, nothing else (no jobs/, ratelimit/, votes/, ...)
    assert keys == [
        "${BucketArn}/images/*",
        "${BucketArn}/index.html",
        "${BucketArn}/config.json",
        "${BucketArn}/assets/*",
    ]
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


CORS_S3_ORIGIN = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"


def _headers_policies(resources) -> dict[str, dict]:
    found = of_type(resources, "AWS::CloudFront::ResponseHeadersPolicy")
    return {name: res["Properties"]["ResponseHeadersPolicyConfig"] for name, res in found.items()}


def test_images_behaviour_adds_cors_for_any_origin_and_forwards_origin(resources) -> None:
    config = props(resources, "AWS::CloudFront::Distribution")["DistributionConfig"]
    (images,) = config["CacheBehaviors"]
    assert images["PathPattern"] == "images/*"
    assert images["ViewerProtocolPolicy"] == "redirect-to-https"
    assert images["CachePolicyId"] == CACHING_OPTIMIZED
    assert images["OriginRequestPolicyId"] == CORS_S3_ORIGIN
    policy = _headers_policies(resources)[images["ResponseHeadersPolicyId"]["Ref"]]
    cors = policy["CorsConfig"]
    assert cors["AccessControlAllowOrigins"] == {"Items": ["*"]}
    assert cors["AccessControlAllowMethods"] == {"Items": ["GET", "HEAD"]}
    assert cors["AccessControlAllowCredentials"] is False
    assert cors["OriginOverride"] is True


def test_page_behaviour_adds_hsts_nosniff_frame_policy_and_the_pages_csp(resources) -> None:
    import re
    from pathlib import Path

    config = props(resources, "AWS::CloudFront::Distribution")["DistributionConfig"]
    default = config["DefaultCacheBehavior"]
    policy = _headers_policies(resources)[default["ResponseHeadersPolicyId"]["Ref"]]
    security = policy["SecurityHeadersConfig"]
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31_536_000
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    page = (Path(__file__).resolve().parents[2] / "frontend" / "index.html").read_text()
    meta = re.search(r'http-equiv="Content-Security-Policy"\s+content="([^"]+)"', page)
    assert meta, "the page has no CSP meta tag"
    assert csp.startswith(meta.group(1)), "the header CSP must be the page's own, plus more"
    assert "frame-ancestors 'none'" in csp
