"""The local CDN's edge rules: behaviour by path, the bucket policy for origin access control,
and response-headers policies applied as CloudFront applies them."""

from __future__ import annotations

from local.run.edge import Behaviour, Edge, add_headers

DIST = "arn:aws:cloudfront::123456789012:distribution/E1"
BUCKET = "arn:aws:s3:::b"


def _policy(*patterns: str, source: str = DIST) -> dict:
    return {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": ["s3:GetObject"],
                "Resource": [f"{BUCKET}/{p}" for p in patterns],
                "Condition": {"StringEquals": {"AWS:SourceArn": source}},
            },
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["s3:*"],
                "Resource": [BUCKET, f"{BUCKET}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ]
    }


def _edge(policy: dict | None) -> Edge:
    behaviours = (Behaviour("images/*", True, {"x": 1}), Behaviour("", False, {}))
    return Edge(behaviours, DIST, BUCKET, policy)


def test_only_the_keys_the_bucket_policy_names_are_readable() -> None:
    edge = _edge(_policy("images/*", "index.html", "assets/*"))
    assert edge.may_read("images/g/a.png") and edge.may_read("index.html")
    assert edge.may_read("assets/deep/main.js")
    for private in ("jobs/1/status.json", "ratelimit/global.json", "votes/v.json", "index.htm"):
        assert not edge.may_read(private), private


def test_another_distribution_or_no_policy_reads_nothing() -> None:
    other = _policy("*", source="arn:aws:cloudfront::123456789012:distribution/E2")
    assert not _edge(other).may_read("images/a.png")
    assert not _edge(None).may_read("images/a.png")


def test_an_explicit_deny_wins_over_the_allow() -> None:
    policy = _policy("*")
    policy["Statement"].append(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{BUCKET}/x"}
    )
    assert _edge(policy).may_read("y") and not _edge(policy).may_read("x")


def test_the_first_matching_path_pattern_decides_else_the_default() -> None:
    edge = _edge(None)
    assert edge.behaviour_for("images/g/a.png").pattern == "images/*"
    assert edge.behaviour_for("index.html").pattern == ""
    assert edge.behaviour_for("Images/a.png").pattern == ""  # patterns are case-sensitive


CORS = {
    "CorsConfig": {
        "AccessControlAllowOrigins": {"Quantity": 1, "Items": ["*"]},
        "AccessControlExposeHeaders": {"Quantity": 1, "Items": ["ETag"]},
        "OriginOverride": True,
    },
    "SecurityHeadersConfig": {
        "FrameOptions": {"FrameOption": "DENY", "Override": False},
        "ContentTypeOptions": {"Override": True},
    },
}


def test_cors_headers_answer_a_request_with_an_origin_only() -> None:
    with_origin = dict(add_headers(CORS, {"origin": "https://a.example"}, []))
    assert with_origin["Access-Control-Allow-Origin"] == "*"
    assert with_origin["Access-Control-Expose-Headers"] == "ETag"
    assert "Access-Control-Allow-Origin" not in dict(add_headers(CORS, {}, []))


def test_override_replaces_the_origins_header_and_its_absence_keeps_it() -> None:
    origin = [("X-Frame-Options", "SAMEORIGIN"), ("X-Content-Type-Options", "other")]
    out = dict(add_headers(CORS, {}, origin))
    assert out["X-Frame-Options"] == "SAMEORIGIN"  # Override false: the origin's stays
    assert out["X-Content-Type-Options"] == "nosniff"  # Override true: replaced


def test_a_listed_origin_is_echoed_and_an_unlisted_one_gets_nothing() -> None:
    policy = {"CorsConfig": {"AccessControlAllowOrigins": {"Items": ["https://a.example"]}}}
    echoed = add_headers(policy, {"origin": "https://a.example"}, [])
    assert ("Access-Control-Allow-Origin", "https://a.example") in echoed
    assert ("Vary", "Origin") in echoed
    assert add_headers(policy, {"origin": "https://b.example"}, []) == []
