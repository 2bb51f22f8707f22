"""The real CLI as a subprocess against the embedded local AWS, with the project's template.

The project is copied (deploy.py, deployer/, infra/, handler/) so that a handler edit stays in
the copy; frontend/ is left out, so the web page's upload is not part of these tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.aws import LocalAws

STACK = "pp-cli"
ARTIFACTS = "pixel-prompt-artifacts-123456789012-us-east-1"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with LocalAws() as aws:
        assert aws.endpoint_url is not None
        yield aws.endpoint_url


@pytest.fixture(scope="module")
def project(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("deployer", "infra", "handler"):
        shutil.copytree(repo_root / folder, root / folder, ignore=skip)
    shutil.copy(repo_root / "deploy.py", root / "deploy.py")
    example = json.loads((repo_root / "parameters.example.json").read_text())
    example["Parameters"]["ReservedConcurrency"] = 5
    (root / "params.json").write_text(json.dumps(example))
    return root


def cli(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base.update(env if env is not None else {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    })  # fmt: skip
    return subprocess.run(
        [sys.executable, "deploy.py", *args],
        cwd=project, env=base, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def deploy(
    project: Path, endpoint: str, *extra: str, stack: str = STACK
) -> subprocess.CompletedProcess:
    return cli(
        project, "--params", "params.json", "--stack-name", stack, "--region", "us-east-1",
        "--endpoint-url", endpoint, "--yes", "--skip-check", *extra,
    )  # fmt: skip


def aws(endpoint: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")


def code_objects(endpoint: str) -> list[str]:
    listing = aws(endpoint, "s3").list_objects_v2(Bucket=ARTIFACTS, Prefix="lambda/")
    return [o["Key"] for o in listing.get("Contents", [])]


@pytest.fixture(scope="module")
def created(project: Path, endpoint: str) -> dict[str, str]:
    outputs_file = project / "outputs.json"
    done = deploy(project, endpoint, "--outputs-file", str(outputs_file))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "CREATE_COMPLETE" in done.stdout
    return json.loads(outputs_file.read_text())


def test_create_writes_every_output(created: dict[str, str]) -> None:
    assert {"ApiEndpoint", "CloudFrontDomain", "CloudFrontUrl", "WebUrl", "S3BucketName",
            "FunctionName", "DeadLetterQueueUrl"} <= set(created)  # fmt: skip
    assert all(isinstance(v, str) and v for v in created.values())


def test_the_api_has_every_route(created: dict[str, str], endpoint: str) -> None:
    api = aws(endpoint, "apigatewayv2")
    (only,) = [a for a in api.get_apis()["Items"] if a["ApiEndpoint"] in created["ApiEndpoint"]]
    routes = {r["RouteKey"] for r in api.get_routes(ApiId=only["ApiId"])["Items"]}
    assert {"POST /generate", "GET /status/{jobId}", "POST /enhance", "GET /gallery/list",
            "GET /gallery/{galleryId}", "POST /log"} <= routes  # fmt: skip
    assert "POST" in only["CorsConfiguration"]["AllowMethods"]


def test_the_distribution_reads_the_bucket_through_oac(
    created: dict[str, str], endpoint: str
) -> None:
    cloudfront = aws(endpoint, "cloudfront")
    items = cloudfront.list_distributions()["DistributionList"]["Items"]
    (dist,) = [d for d in items if d["DomainName"] == created["CloudFrontDomain"]]
    config = cloudfront.get_distribution_config(Id=dist["Id"])["DistributionConfig"]
    origin = config["Origins"]["Items"][0]
    assert origin["OriginAccessControlId"]
    assert created["S3BucketName"] in origin["DomainName"]
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"


def test_the_image_bucket_is_private_with_cors_and_expiry(
    created: dict[str, str], endpoint: str
) -> None:
    s3 = aws(endpoint, "s3")
    bucket = created["S3BucketName"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    cors = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert {"GET", "HEAD"} <= set(cors[0]["AllowedMethods"])
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert any(r.get("Expiration", {}).get("Days") == 30 for r in rules)


def test_the_function_runs_as_configured(created: dict[str, str], endpoint: str) -> None:
    lam = aws(endpoint, "lambda")
    config = lam.get_function_configuration(FunctionName=created["FunctionName"])
    assert (config["Runtime"], config["MemorySize"], config["Timeout"]) == ("python3.12", 3008, 900)
    assert config["Handler"] == "lambda_function.lambda_handler"
    variables = config["Environment"]["Variables"]
    assert variables["MODEL_1_NAME"] == "openai/gpt-image-2.6-sunburst"
    assert variables["S3_BUCKET"] == created["S3BucketName"]
    concurrency = lam.get_function_concurrency(FunctionName=created["FunctionName"])
    assert concurrency["ReservedConcurrentExecutions"] == 5


def test_an_unchanged_redeploy_uploads_nothing_and_updates_nothing(
    created: dict[str, str], project: Path, endpoint: str
) -> None:
    before = code_objects(endpoint)
    done = cli(  # the endpoint through boto3's own AWS_ENDPOINT_URL this time
        project, "--params", "params.json", "--stack-name", STACK, "--region", "us-east-1", "--yes",
        "--skip-check",
        env={"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
             "AWS_ENDPOINT_URL": endpoint},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "No changes" in done.stdout and "Uploaded" not in done.stdout
    assert "Creating a change set" not in done.stdout
    assert code_objects(endpoint) == before
    status = aws(endpoint, "cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    assert status["StackStatus"] in {"CREATE_COMPLETE", "UPDATE_COMPLETE"}


def test_a_handler_change_uploads_one_artifact_and_updates_the_code(
    created: dict[str, str], project: Path, endpoint: str
) -> None:
    lam = aws(endpoint, "lambda")
    old_sha = lam.get_function_configuration(FunctionName=created["FunctionName"])["CodeSha256"]
    before = set(code_objects(endpoint))
    with (project / "handler" / "lambda_function.py").open("a") as source:
        source.write("\n# a handler change\n")
    done = deploy(project, endpoint)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(set(code_objects(endpoint)) - before) == 1
    assert "UPDATE_COMPLETE" in done.stdout
    stack = aws(endpoint, "cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    new_sha = lam.get_function_configuration(FunctionName=created["FunctionName"])["CodeSha256"]
    assert new_sha != old_sha


def test_broken_parameters_exit_2_and_touch_nothing(project: Path, endpoint: str) -> None:
    bad = {"Parameters": {"ModelCount": 30, "Model1Name": "DALL-E 3", "Model1Key": "",
                          "Colour": "blue", "PromptModelIndex": 0}}  # fmt: skip
    (project / "bad.json").write_text(json.dumps(bad))
    stacks_before = aws(endpoint, "cloudformation").describe_stacks()["Stacks"]
    done = cli(project, "--params", "bad.json", "--stack-name", "pp-bad", "--region",
               "us-east-1", "--endpoint-url", endpoint, "--yes")  # fmt: skip
    assert done.returncode == 2
    for fragment in ("Colour is not a parameter", "ModelCount '30' must be at most 20",
                     "PromptModelIndex '0' must be at least 1"):  # fmt: skip
        assert fragment in done.stderr
    assert "Traceback" not in done.stderr
    assert aws(endpoint, "cloudformation").describe_stacks()["Stacks"] == stacks_before


def test_no_credentials_is_one_sentence_and_exit_2(project: Path, tmp_path: Path) -> None:
    env = {
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    done = cli(project, "--params", "params.json", "--region", "us-east-1", "--yes", env=env)
    assert done.returncode == 2
    assert "No AWS credentials were found." in done.stderr
    assert "Traceback" not in done.stderr


def test_without_a_terminal_a_new_stack_needs_yes(project: Path, endpoint: str) -> None:
    done = cli(project, "--params", "params.json", "--stack-name", "pp-ask", "--region",
               "us-east-1", "--endpoint-url", endpoint, "--skip-check")  # fmt: skip
    assert done.returncode == 2
    assert "--yes" in done.stderr
    names = [s["StackName"] for s in aws(endpoint, "cloudformation").describe_stacks()["Stacks"]]
    assert "pp-ask" not in names  # the unexecuted change set's shell was cleaned up


def test_delete_removes_the_stack_and_keeps_the_image_bucket(project: Path, endpoint: str) -> None:
    # GIVEN a stack of this test's own (the others read theirs)
    stack = "pp-cli-delete"
    made = deploy(project, endpoint, "--outputs-file", str(project / "delete.json"), stack=stack)
    assert made.returncode == 0, made.stdout + made.stderr
    bucket = json.loads((project / "delete.json").read_text())["S3BucketName"]
    done = cli(project, "--delete", "--stack-name", stack, "--region", "us-east-1",
               "--endpoint-url", endpoint, "--yes")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"aws s3 rm s3://{bucket} --recursive" in done.stdout
    names = [s["StackName"] for s in aws(endpoint, "cloudformation").describe_stacks()["Stacks"]]
    assert stack not in names
    aws(endpoint, "s3").head_bucket(Bucket=bucket)  # retained by design
