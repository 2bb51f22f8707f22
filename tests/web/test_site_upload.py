"""deployer.site.upload_site against moto's S3."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from deployer.errors import DeployError
from deployer.site import ASSET_CACHE, NO_CACHE, site_files, upload_site
from local.deploy import served_api_endpoint

BUCKET = "pixelprompt-site-test"
ENDPOINT = "https://abc123.execute-api.us-east-1.amazonaws.com/"
REAL_FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture
def s3(aws_credentials: None) -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "frontend"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>t</title>")
    (root / "assets" / "main.js").write_text("import './api.js';\n")
    (root / "assets" / "api.js").write_text("export const x = 1;\n")
    (root / "assets" / "style.css").write_text("body{}\n")
    (root / "assets" / "favicon.svg").write_text("<svg/>")
    return root


def head(s3: Any, key: str) -> dict[str, Any]:
    return s3.head_object(Bucket=BUCKET, Key=key)


def body(s3: Any, key: str) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def test_uploads_every_file_with_its_type_and_cache_policy(s3: Any, site: Path) -> None:
    written = upload_site(s3, BUCKET, ENDPOINT, site)

    assert written == [
        "assets/api.js",
        "assets/favicon.svg",
        "assets/main.js",
        "assets/style.css",
        "config.json",
        "index.html",
    ]
    expected = {
        "index.html": ("text/html; charset=utf-8", NO_CACHE),
        "config.json": ("application/json; charset=utf-8", NO_CACHE),
        "assets/main.js": ("text/javascript; charset=utf-8", ASSET_CACHE),
        "assets/style.css": ("text/css; charset=utf-8", ASSET_CACHE),
        "assets/favicon.svg": ("image/svg+xml", ASSET_CACHE),
    }
    for key, (ctype, cache) in expected.items():
        h = head(s3, key)
        assert (h["ContentType"], h["CacheControl"]) == (ctype, cache), key
        assert h["Metadata"]["md5"] == hashlib.md5(body(s3, key)).hexdigest()
    assert body(s3, "assets/main.js") == b"import './api.js';\n"


def test_config_json_holds_the_api_endpoint(s3: Any, site: Path) -> None:
    upload_site(s3, BUCKET, ENDPOINT, site, models=["DALL-E 3", "Flux Pro"])
    config = json.loads(body(s3, "config.json"))
    # No trailing slash: the page appends "/generate" etc.
    assert config == {
        "apiEndpoint": "https://abc123.execute-api.us-east-1.amazonaws.com",
        "models": ["DALL-E 3", "Flux Pro"],
    }
    upload_site(s3, BUCKET, ENDPOINT, site)
    assert json.loads(body(s3, "config.json")) == {"apiEndpoint": ENDPOINT.rstrip("/")}


def test_the_current_endpoint_is_read_back(s3: Any, site: Path) -> None:
    assert served_api_endpoint(s3, BUCKET) is None
    upload_site(s3, BUCKET, "http://127.0.0.1:4010", site)
    assert served_api_endpoint(s3, BUCKET) == "http://127.0.0.1:4010"
    s3.put_object(Bucket=BUCKET, Key="config.json", Body=b"not json")
    assert served_api_endpoint(s3, BUCKET) is None


def test_a_redeploy_of_the_same_page_uploads_nothing(s3: Any, site: Path) -> None:
    upload_site(s3, BUCKET, ENDPOINT, site)
    assert upload_site(s3, BUCKET, ENDPOINT, site) == []


def test_only_changed_files_are_uploaded_again(s3: Any, site: Path) -> None:
    upload_site(s3, BUCKET, ENDPOINT, site)
    (site / "assets" / "style.css").write_text("body{color:red}\n")
    assert upload_site(s3, BUCKET, ENDPOINT, site) == ["assets/style.css"]
    assert body(s3, "assets/style.css") == b"body{color:red}\n"
    # A new API endpoint (the local run after serving) rewrites config.json only.
    assert upload_site(s3, BUCKET, "http://127.0.0.1:4010", site) == ["config.json"]


def test_same_bytes_with_wrong_headers_are_uploaded_again(s3: Any, site: Path) -> None:
    s3.put_object(
        Bucket=BUCKET,
        Key="index.html",
        Body=(site / "index.html").read_bytes(),
        ContentType="binary/octet-stream",
    )
    assert "index.html" in upload_site(s3, BUCKET, ENDPOINT, site)
    assert head(s3, "index.html")["ContentType"] == "text/html; charset=utf-8"


def test_an_object_without_md5_metadata_is_compared_by_etag(s3: Any, site: Path) -> None:
    upload_site(s3, BUCKET, ENDPOINT, site)
    # As if uploaded by an older deployer: same bytes and headers, no x-amz-meta-md5.
    s3.put_object(
        Bucket=BUCKET,
        Key="assets/api.js",
        Body=(site / "assets" / "api.js").read_bytes(),
        ContentType="text/javascript; charset=utf-8",
        CacheControl=ASSET_CACHE,
    )
    assert upload_site(s3, BUCKET, ENDPOINT, site) == []


def test_assets_the_page_no_longer_has_are_removed(s3: Any, site: Path) -> None:
    upload_site(s3, BUCKET, ENDPOINT, site)
    s3.put_object(Bucket=BUCKET, Key="images/g1/a.png", Body=b"png")
    (site / "assets" / "api.js").unlink()
    upload_site(s3, BUCKET, ENDPOINT, site)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert "assets/api.js" not in keys
    assert "images/g1/a.png" in keys  # generated images are never touched


def test_dotfiles_and_a_stray_config_json_are_not_uploaded(s3: Any, site: Path) -> None:
    (site / ".DS_Store").write_bytes(b"junk")
    (site / "assets" / ".main.js.swp").write_bytes(b"junk")
    (site / "config.json").write_text('{"apiEndpoint": "http://wrong"}')
    written = upload_site(s3, BUCKET, ENDPOINT, site)
    assert not [k for k in written if "/." in f"/{k}"]
    assert json.loads(body(s3, "config.json"))["apiEndpoint"] == ENDPOINT.rstrip("/")


def test_a_missing_page_is_a_deploy_error(s3: Any, tmp_path: Path) -> None:
    with pytest.raises(DeployError, match=r"index\.html"):
        upload_site(s3, BUCKET, ENDPOINT, tmp_path)


def test_a_missing_bucket_is_a_deploy_error_with_a_fix(s3: Any, site: Path) -> None:
    with pytest.raises(DeployError) as info:
        upload_site(s3, "no-such-bucket-here", ENDPOINT, site)
    assert "s3://no-such-bucket-here" in info.value.message
    assert info.value.fix
    assert isinstance(info.value.__cause__, ClientError)


def test_the_ui_gets_one_line(s3: Any, site: Path) -> None:
    class Recorder:
        def __init__(self) -> None:
            self.lines: list[str] = []

        def step(self, text: str) -> None:
            self.lines.append(text)

    ui = Recorder()
    upload_site(s3, BUCKET, ENDPOINT, site, ui)
    (site / "assets" / "api.js").unlink()
    upload_site(s3, BUCKET, ENDPOINT, site, ui)
    assert ui.lines == [
        f"Web page: 6 of 6 files uploaded to s3://{BUCKET} (API {ENDPOINT[:-1]})",
        f"Web page: 0 of 5 files uploaded to s3://{BUCKET}, 1 stale removed (API {ENDPOINT[:-1]})",
    ]


def test_the_real_frontend_uploads_with_module_scripts_as_javascript(s3: Any) -> None:
    files = {f.key: f for f in site_files(REAL_FRONTEND, ENDPOINT)}
    assert {"index.html", "config.json", "assets/main.js", "assets/style.css"} <= files.keys()
    assert all(
        f.content_type.startswith("text/javascript") for k, f in files.items() if k[-3:] == ".js"
    )
    assert list(files)[-1] == "index.html"
    upload_site(s3, BUCKET, ENDPOINT, REAL_FRONTEND)
    assert upload_site(s3, BUCKET, ENDPOINT, REAL_FRONTEND) == []
