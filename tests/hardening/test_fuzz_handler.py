"""Property-based fuzz of lambda_handler: whatever arrives, the answer is a well-formed response.

Arbitrary events (HTTP API 2.0, REST 1.0, worker-shaped, or any JSON value), bodies (text, JSON
of the wrong types, huge, base64 or not, lone surrogates), headers and path parameters run
against moto's S3 and Lambda (the async self-invoke goes to moto's Docker-less Lambda) and a
local OpenAI-compatible chat server for /enhance. The answer is always a dict with an int
statusCode, never 500, with a JSON body; errors are {"error", "code"}; a 202 left its job
record in S3.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from moto import mock_aws

BUCKET = "fuzz-images"
FUNCTION = "pixel-prompt-fuzz"
ALLOWED = {200, 202, 204, 400, 404, 405, 413, 429, 502, 503}
ROUTE_KEYS = [
    "POST /generate",
    "GET /status/{id}",
    "POST /enhance",
    "GET /gallery/list",
    "GET /gallery/{id}",
    "POST /log",
]
ROUTES = [r.split(" ", 1)[1] for r in ROUTE_KEYS]
UUID = "0f8fad5b-d9cb-469f-a165-70867728950e"


class _ChatStub(BaseHTTPRequestHandler):
    """Just enough of OpenAI's chat completions for /enhance to succeed."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps(
            {
                "id": "chatcmpl-fuzz",
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": "A richer prompt."},
                    }
                ],
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def chat_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def handler(chat_url: str) -> Iterator[Any]:
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": FUNCTION,
        "S3_BUCKET": BUCKET,
        "CLOUDFRONT_DOMAIN": "d111111abcdef8.cloudfront.net",
        "MODEL_COUNT": "2",
        "MODEL_1_NAME": "openai/gpt-image-2",
        "MODEL_2_NAME": "Flux Pro 1.1",
        "PROMPT_MODEL_INDEX": "1",
        "GLOBAL_RATE_LIMIT": "1000",
        "IP_RATE_LIMIT": "4",
        "IP_WHITELIST": "10.9.9.9",
        "OPENAI_BASE_URL": chat_url,
    }
    mp = pytest.MonkeyPatch()
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_ENDPOINT_URL_S3"):
        mp.delenv(name, raising=False)
    for name, value in env.items():
        mp.setenv(name, value)
    with mock_aws(config={"lambda": {"use_docker": False}}):
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        keys = {"1": "sk-fuzz-not-a-key", "2": "bfl-fuzz-not-a-key"}
        secret_text = json.dumps({"format": 1, "keys": keys, "rateLimitSalt": "f0" * 32})
        secret_arn = boto3.client("secretsmanager").create_secret(
            Name="fuzz-secret", SecretString=secret_text
        )["ARN"]
        mp.setenv("PROVIDER_SECRET_ARN", secret_arn)
        role = boto3.client("iam").create_role(
            RoleName="fuzz-role",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )["Role"]["Arn"]
        boto3.client("lambda").create_function(
            FunctionName=FUNCTION,
            Runtime="python3.12",
            Role=role,
            Handler="lambda_function.lambda_handler",
            Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
        )
        import lambda_function
        from pixelprompt import aws, config

        config.reset()
        aws.reset()  # clients must be made inside the mock
        yield lambda_function.lambda_handler
        config.reset()
        aws.reset()
    mp.undo()


class _Context:
    function_name = FUNCTION
    aws_request_id = "fuzz-request"
    invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


# ---- strategies -------------------------------------------------------------------------------

any_char = st.characters(codec=None, categories=["L", "N", "P", "S", "Z", "Cc", "Cs"])
# Lone surrogates arrive through JSON escapes ("\\ud800") in an event or a body.
any_text = st.text(any_char, max_size=40) | st.text(st.characters(categories=["Cs"]), max_size=3)
json_scalar = st.none() | st.booleans() | st.integers() | st.floats() | any_text
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)
number_ish = (
    st.integers(-(10**400), 10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.booleans()
    | any_text
    | st.none()
    | st.lists(st.integers(), max_size=2)
)
prompt_ish = (
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=60)
    | st.just("a red fox in the snow")
    | st.builds(lambda n: "x" * n, st.integers(990, 1010))
    | st.builds(lambda n: " " * n + "fox" + "\t" * n, st.integers(0, 1000))
    | st.just("   ")
    | st.just("fox\x00")
    | json_value
)
generate_body = st.fixed_dictionaries(
    {"prompt": prompt_ish},
    optional={"steps": number_ish, "guidance": number_ish, "control": number_ish, "ip": any_text},
)


def encode_body(value: Any, how: str) -> Any:
    """A body in one of the shapes an event can carry it."""
    if isinstance(value, bytes):  # binary: base64 as API Gateway sends it, or mangled text
        return base64.b64encode(value).decode() if how == "b64" else value.decode("latin-1")
    if how == "raw":
        return value  # not necessarily a string at all
    text = value if isinstance(value, str) else json.dumps(value, allow_nan=True)
    if how == "b64":
        return base64.b64encode(text.encode("utf-8", "surrogatepass")).decode()
    return text


bodies = st.one_of(
    generate_body,
    generate_body,
    st.none(),
    any_text,
    json_value,
    generate_body,
    st.builds(lambda n, c: c * n, st.integers(60_000, 120_000), st.sampled_from(["a", "é", "["])),
    st.binary(max_size=64),
)
paths = st.one_of(
    st.sampled_from(ROUTES).flatmap(
        lambda r: st.one_of(st.just(UUID), st.just(UUID.upper()), any_text, st.just("")).map(
            lambda i: r.replace("{id}", i)
        )
    ),
    st.sampled_from(["/", "/generate/", "//generate", "/status/", "/gallery/", "/prod/generate"]),
    any_text.map(lambda s: "/" + s),
)
methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]) | any_text
header_maps = st.dictionaries(
    st.sampled_from(["content-type", "x-correlation-id", "X-Correlation-ID", "Host"]) | any_text,
    st.none() | any_text | st.builds(lambda n: "c" * n, st.integers(100, 5000)),
    max_size=5,
)
source_ips = (
    st.sampled_from(["203.0.113.7", "203.0.113.8", "10.9.9.9", "::1", ""]) | any_text | st.none()
)


routed = st.sampled_from([r.split(" ", 1) for r in ROUTE_KEYS]).flatmap(
    lambda mp: st.tuples(
        st.just(mp[0]),
        st.sampled_from([UUID, UUID.upper(), "1764102400000-" + UUID, "x"]).map(
            lambda i: mp[1].replace("{id}", i)
        ),
    )
)


@st.composite
def http_v2_events(draw: st.DrawFn) -> dict[str, Any]:
    # Mostly real routes (so validation, limits and S3 run), sometimes anything at all.
    method, path = draw(routed | routed | routed | st.tuples(methods, paths))
    how = draw(st.sampled_from(["json", "b64", "raw"]))
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": draw(header_maps),
        "requestContext": {
            "stage": draw(st.sampled_from(["$default", "prod", ""])),
            "http": {"method": method, "path": path, "sourceIp": draw(source_ips)},
        },
        "pathParameters": draw(st.none() | st.dictionaries(any_text, any_text, max_size=2)),
        "queryStringParameters": draw(
            st.none() | st.dictionaries(st.just("limit") | any_text, any_text, max_size=2)
        ),
        "body": encode_body(draw(bodies), how),
        "isBase64Encoded": how == "b64" or draw(st.sampled_from([False, True, "yes", None, 1])),
    }
    # Drop or garble a few top-level parts: real clients cannot, but the handler must not care.
    garble = st.lists(st.sampled_from(sorted(event)), max_size=2, unique=True)
    for key in draw(st.just([]) | st.just([]) | garble):
        event[key] = draw(json_value)
    return event


@st.composite
def rest_v1_events(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "httpMethod": draw(methods),
        "path": draw(paths),
        "headers": draw(header_maps | json_value),
        "requestContext": {"identity": {"sourceIp": draw(source_ips)}},
        "pathParameters": draw(st.none() | json_value),
        "body": encode_body(draw(bodies), "json"),
        "isBase64Encoded": False,
    }


worker_events = st.fixed_dictionaries(
    {"pixelprompt": st.just("run-job")},
    optional={"jobId": st.just(UUID) | json_value, "correlationId": json_value},
)
events = st.one_of(
    http_v2_events(),
    http_v2_events(),
    http_v2_events(),
    rest_v1_events(),
    worker_events,
    json_value,
)


def note(out: Any) -> None:
    """Label the example with its status (shown by --hypothesis-show-statistics)."""
    status = out.get("statusCode") if isinstance(out, dict) else None
    code = ""
    if isinstance(status, int) and status >= 400:
        code = " " + str(json.loads(out["body"]).get("code"))
    event(f"{status}{code}")


def check(event: Any, out: Any) -> None:
    assert isinstance(out, dict), f"not a dict: {out!r}"
    status = out.get("statusCode")
    assert isinstance(status, int) and not isinstance(status, bool), out
    assert status in ALLOWED, (status, out.get("body"))
    body = out.get("body", "")
    assert isinstance(body, str), out
    assert "Traceback" not in body and 'File "' not in body, body
    if status == 204:
        assert body == ""
        return
    parsed = json.loads(body)
    if status >= 400:
        assert isinstance(parsed.get("error"), str) and parsed["error"], parsed
        assert isinstance(parsed.get("code"), str) and parsed["code"].isupper(), parsed
    headers = out.get("headers") or {}
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()), headers
    if status == 429:
        assert int(headers["Retry-After"]) >= 1
    if status == 405:
        assert headers.get("Allow")


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
@given(event=events)
def test_any_event_gets_a_json_answer_never_a_500(handler: Any, event: Any) -> None:
    out = handler(event, _Context())
    note(out)
    if isinstance(event, dict) and event.get("pixelprompt") == "run-job":
        # The worker's answer goes to the async invoker, not to a client: it must still be a dict.
        assert isinstance(out, dict)
        return
    check(event, out)
    if out["statusCode"] == 202:
        job_id = json.loads(out["body"])["jobId"]
        key = f"jobs/{job_id}/status.json"
        record = json.loads(boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read())
        assert record["jobId"] == job_id


@settings(max_examples=60, deadline=None, database=None)
@given(body=generate_body, ip=st.sampled_from(["198.51.100.1", "198.51.100.2"]))
def test_generate_bodies_are_accepted_or_refused_with_a_reason(
    handler: Any, body: dict[str, Any], ip: str
) -> None:
    event = {
        "version": "2.0",
        "routeKey": "POST /generate",
        "rawPath": "/generate",
        "headers": {"content-type": "application/json"},
        "requestContext": {"stage": "$default", "http": {"method": "POST", "sourceIp": ip}},
        "body": json.dumps(body, allow_nan=True),
        "isBase64Encoded": False,
    }
    out = handler(event, _Context())
    note(out)
    check(event, out)
    assert out["statusCode"] in {202, 400, 429}, out


@settings(max_examples=40, deadline=None, database=None)
@given(ip=source_ips, cid=st.none() | any_text, route=st.sampled_from(["/generate", "/log"]))
def test_any_source_ip_and_correlation_id(
    handler: Any, ip: Any, cid: str | None, route: str
) -> None:
    # The client IP becomes a rate-limit key and a log field; the correlation id a log field.
    event = {
        "version": "2.0",
        "rawPath": route,
        "headers": {"x-correlation-id": cid} if cid is not None else {},
        "requestContext": {"http": {"method": "POST", "sourceIp": ip}},
        "body": json.dumps({"prompt": "a quiet harbour", "message": ip}),
    }
    out = handler(event, _Context())
    note(out)
    check(event, out)


def test_a_valid_generate_is_admitted(handler: Any) -> None:
    # GIVEN a well-formed request from a fresh address (the fuzz can really reach the happy path)
    event = {
        "version": "2.0",
        "routeKey": "POST /generate",
        "rawPath": "/generate",
        "headers": {"content-type": "application/json", "x-correlation-id": "fuzz-1"},
        "requestContext": {"http": {"method": "POST", "sourceIp": "192.0.2.200"}},
        "body": json.dumps({"prompt": "a lighthouse at dusk", "steps": 30}),
        "isBase64Encoded": False,
    }
    out = handler(event, _Context())
    assert out["statusCode"] == 202, out
    assert out["headers"]["X-Correlation-ID"] == "fuzz-1"
