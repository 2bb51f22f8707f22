"""The bucket: private, encrypted, CORS for browsers, expiry only under the function's prefixes."""

from __future__ import annotations

from tests.template._lookup import only, props


def test_public_access_is_blocked_all_four_ways(resources) -> None:
    block = props(resources, "AWS::S3::Bucket")["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


def test_objects_are_encrypted_at_rest(resources) -> None:
    encryption = props(resources, "AWS::S3::Bucket")["BucketEncryption"]
    (rule,) = encryption["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_cors_allows_get_and_head_from_any_origin(resources) -> None:
    (rule,) = props(resources, "AWS::S3::Bucket")["CorsConfiguration"]["CorsRules"]
    assert sorted(rule["AllowedMethods"]) == ["GET", "HEAD"]
    assert rule["AllowedOrigins"] == ["*"]


def test_expiry_is_scoped_to_images_jobs_and_ratelimit(resources) -> None:
    rules = props(resources, "AWS::S3::Bucket")["LifecycleConfiguration"]["Rules"]
    expiry = {r["Prefix"]: r["ExpirationInDays"] for r in rules if r["Status"] == "Enabled"}
    # votes/ is absent on purpose: the owner's arena history is kept.
    assert expiry == {"images/": 30, "jobs/": 30, "ratelimit/": 2}


def test_no_lifecycle_rule_touches_the_web_page_at_the_root(resources) -> None:
    rules = props(resources, "AWS::S3::Bucket")["LifecycleConfiguration"]["Rules"]
    for rule in rules:
        assert rule.get("Prefix"), f"rule {rule['Id']} applies to the whole bucket"
        assert "Filter" not in rule
        for page_key in ("index.html", "assets/app.js", "config.json"):
            assert not page_key.startswith(rule["Prefix"])


def test_bucket_is_retained_on_delete_and_replace(resources) -> None:
    _, bucket = only(resources, "AWS::S3::Bucket")
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"


def test_versioning_is_not_set_to_an_invalid_value(resources) -> None:
    versioning = props(resources, "AWS::S3::Bucket").get("VersioningConfiguration")
    assert versioning is None or versioning["Status"] in ("Enabled", "Suspended")
