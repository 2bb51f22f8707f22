"""The CDN: the origin bucket over HTTP, as CloudFront with origin access control answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests

from local.run.aws import LocalAwsClients
from local.run.cdn import CdnApp, bucket_from_origin
from local.run.httpserve import BackgroundServer, PortInUse
from tests.localrun.support import ListSink

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


@pytest.fixture(scope="module")
def cdn(aws: LocalAwsClients) -> Iterator[str]:
    bucket = f"images-{uuid.uuid4().hex[:8]}"
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="images/g1/cat.png", Body=PNG, ContentType="image/png")
    s3.put_object(
        Bucket=bucket,
        Key="index.html",
        Body=b"<html>hi</html>",
        ContentType="text/html",
        CacheControl="no-cache",
    )
    server = BackgroundServer(CdnApp(aws, bucket, "index.html"), ListSink(), "cdn")
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


def test_object_with_its_metadata(cdn: str) -> None:
    resp = requests.get(f"{cdn}/images/g1/cat.png", timeout=10)
    assert resp.status_code == 200
    assert resp.content == PNG
    assert resp.headers["Content-Type"] == "image/png"
    assert resp.headers["Content-Length"] == str(len(PNG))
    assert resp.headers["ETag"].startswith('"')
    assert resp.headers["Last-Modified"].endswith("GMT")


def test_head_has_headers_and_no_body(cdn: str) -> None:
    resp = requests.head(f"{cdn}/images/g1/cat.png", timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Content-Length"] == str(len(PNG))
    assert resp.content == b""


def test_conditional_get_is_304(cdn: str) -> None:
    first = requests.get(f"{cdn}/images/g1/cat.png", timeout=10)
    again = requests.get(
        f"{cdn}/images/g1/cat.png", headers={"If-None-Match": first.headers["ETag"]}, timeout=10
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    other = requests.get(f"{cdn}/images/g1/cat.png", headers={"If-None-Match": '"x"'}, timeout=10)
    assert other.status_code == 200


def test_missing_key_is_403_access_denied(cdn: str) -> None:
    resp = requests.get(f"{cdn}/images/nope.png", timeout=10)
    assert resp.status_code == 403
    assert resp.headers["Content-Type"] == "application/xml"
    assert b"<Code>AccessDenied</Code>" in resp.content


def test_root_is_the_default_root_object(cdn: str) -> None:
    resp = requests.get(f"{cdn}/", timeout=10)
    assert (resp.status_code, resp.text) == (200, "<html>hi</html>")
    assert resp.headers["Cache-Control"] == "no-cache"


def test_range_request(cdn: str) -> None:
    resp = requests.get(f"{cdn}/images/g1/cat.png", headers={"Range": "bytes=0-7"}, timeout=10)
    assert resp.status_code == 206
    assert resp.content == PNG[:8]


def test_writes_are_refused(cdn: str) -> None:
    assert requests.post(f"{cdn}/images/g1/cat.png", data=b"x", timeout=10).status_code == 403


@pytest.mark.parametrize(
    "domain",
    [
        "my-bucket.s3.amazonaws.com",
        "my-bucket.s3.us-east-1.amazonaws.com",
        "my-bucket.s3-eu-west-1.amazonaws.com",
    ],
)
def test_bucket_from_origin_domain(domain: str) -> None:
    assert bucket_from_origin(domain) == "my-bucket"


def test_a_taken_port_is_a_clear_error(aws: LocalAwsClients, cdn: str) -> None:
    port = int(cdn.rsplit(":", 1)[1])
    with pytest.raises(PortInUse, match=f"127.0.0.1:{port}.*--local-port"):
        BackgroundServer(CdnApp(aws, "any-bucket"), ListSink(), "cdn", port=port)


def test_many_simultaneous_connections_are_all_answered(cdn: str) -> None:
    import threading

    barrier = threading.Barrier(150)
    statuses: list[int] = []

    def fetch() -> None:
        barrier.wait(timeout=30)
        statuses.append(requests.get(f"{cdn}/images/g1/cat.png", timeout=30).status_code)

    threads = [threading.Thread(target=fetch) for _ in range(150)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * 150


def test_compress_behaviour_gzips_text_for_viewers_that_accept_it(aws: LocalAwsClients) -> None:
    bucket = f"site-{uuid.uuid4().hex[:8]}"
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=bucket)
    script = ("console.log('pixel prompt');\n" * 200).encode()
    s3.put_object(Bucket=bucket, Key="app.js", Body=script, ContentType="application/javascript")
    s3.put_object(Bucket=bucket, Key="tiny.css", Body=b"p{}", ContentType="text/css")
    s3.put_object(Bucket=bucket, Key="big.png", Body=PNG * 100, ContentType="image/png")
    server = BackgroundServer(CdnApp(aws, bucket, compress=True), ListSink(), "cdn")
    url = server.start()
    try:
        gz = requests.get(f"{url}/app.js", headers={"Accept-Encoding": "gzip"}, timeout=10)
        plain = requests.get(f"{url}/app.js", headers={"Accept-Encoding": "identity"}, timeout=10)
        tiny = requests.get(f"{url}/tiny.css", headers={"Accept-Encoding": "gzip"}, timeout=10)
        png = requests.get(f"{url}/big.png", headers={"Accept-Encoding": "gzip"}, timeout=10)
    finally:
        server.stop()
    assert gz.headers["Content-Encoding"] == "gzip"
    assert int(gz.headers["Content-Length"]) < len(script) // 10
    assert gz.content == script  # requests decodes it: the bytes are the object's
    assert "Content-Encoding" not in plain.headers and plain.content == script
    assert "Content-Encoding" not in tiny.headers  # under 1,000 bytes
    assert "Content-Encoding" not in png.headers  # images are not compressible types
