"""Configuration: read once, validated, misconfiguration answered clearly instead of crashing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pixelprompt import config

HANDLER = str(Path(__file__).resolve().parents[2] / "handler")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("d111.cloudfront.net", "https://d111.cloudfront.net"),
        ("d111.cloudfront.net/", "https://d111.cloudfront.net"),
        ("http://127.0.0.1:4000", "http://127.0.0.1:4000"),
        ("https://cdn.example.com/", "https://cdn.example.com"),
        ("", ""),
    ],
)
def test_cloudfront_domain_becomes_image_base_url(value, expected):
    assert config.image_base_url(value) == expected


def test_valid_environment_has_no_problems():
    cfg = config.load(
        {"MODEL_COUNT": "2", "MODEL_1_NAME": "a", "MODEL_2_NAME": "b", "PROMPT_MODEL_INDEX": "2"}
    )
    assert cfg.problems == ()
    assert cfg.prompt_model.name == "b"


def test_slots_beyond_model_count_are_ignored():
    cfg = config.load({"MODEL_COUNT": "1", "MODEL_1_NAME": "a", "MODEL_2_NAME": "b"})
    assert [m.name for m in cfg.models] == ["a"]


def test_whitelist_is_split_and_trimmed():
    cfg = config.load({"IP_WHITELIST": " 1.2.3.4, ,5.6.7.8 "})
    assert cfg.ip_whitelist == frozenset({"1.2.3.4", "5.6.7.8"})


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"MODEL_COUNT": "0"}, "MODEL_COUNT is 0"),
        ({"MODEL_COUNT": "21"}, "MODEL_COUNT is 21"),
        ({"MODEL_COUNT": "three"}, "MODEL_COUNT is 'three'"),
        ({"MODEL_COUNT": "2", "MODEL_1_NAME": "a", "MODEL_2_NAME": " "}, "MODEL_2_NAME is empty"),
        ({"MODEL_COUNT": "1", "MODEL_1_NAME": "a", "IP_RATE_LIMIT": "-1"}, "IP_RATE_LIMIT is -1"),
    ],
)
def test_problems_are_collected_not_raised(env, fragment):
    cfg = config.load(env)
    assert any(fragment in p for p in cfg.problems)


def test_empty_model_name_answers_503_config(s3, set_env, event, call, dispatched):
    # GIVEN MODEL_COUNT 3 with slot 2 empty
    set_env(MODEL_2_NAME="")
    # WHEN a job is requested
    status, body, _ = call(event("httpApiV2_generate.json"))
    # THEN a clear configuration error, no job
    assert (status, body["code"]) == (503, "CONFIG_ERROR")
    assert "MODEL_2_NAME is empty" in body["error"]
    assert dispatched == []


def test_prompt_index_out_of_range_breaks_only_enhance(s3, set_env, event, call, dispatched):
    set_env(PROMPT_MODEL_INDEX="7")
    enhance_status, body, _ = call(event("httpApiV2_enhance.json"))
    generate_status, _, _ = call(event("httpApiV2_generate.json"))
    assert (enhance_status, body["code"]) == (503, "CONFIG_ERROR")
    assert "PROMPT_MODEL_INDEX is 7" in body["error"]
    assert generate_status == 202


def test_missing_bucket_answers_503_config(s3, set_env, event, call):
    set_env(S3_BUCKET=None)
    status, body, _ = call(event("httpApiV2_generate.json"))
    assert (status, body["code"]) == (503, "CONFIG_ERROR")


def test_configuration_is_read_once_per_cold_start(s3, event, call, monkeypatch, dispatched):
    # GIVEN a first request that loaded the configuration
    call(event("httpApiV2_generate.json"))
    # WHEN the environment changes without a new cold start
    monkeypatch.setenv("MODEL_COUNT", "1")
    _, body, _ = call(event("httpApiV2_generate.json"))
    # THEN the cached configuration is still used
    assert body["totalModels"] == 3


def test_problems_are_logged_once(s3, set_env, event, call, capsys):
    set_env(MODEL_COUNT="25")
    for _ in range(3):
        call(event("httpApiV2_generate.json"))
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x]
    problems = [x for x in lines if x["message"] == "configuration problems"]
    assert len(problems) == 1
    assert "MODEL_COUNT is 25, it must be between 1 and 20" in problems[0]["problems"]


def test_worker_with_misconfiguration_fails_the_job(
    s3, set_env, generate_job, run_worker, get_status
):
    job_id, payload = generate_job()
    set_env(MODEL_3_NAME="")
    run_worker(payload)
    _, body = get_status(job_id)
    assert body["status"] == "failed"
    assert body["results"][0]["error"] == "the service is misconfigured"


def test_no_boto3_client_at_import():
    import subprocess
    import sys

    code = (
        "import botocore.client, sys\n"
        "made = []\n"
        "cc = botocore.client.ClientCreator\n"
        "orig = cc.create_client\n"
        "cc.create_client = lambda *a, **k: made.append(1) or orig(*a, **k)\n"
        f"sys.path[:0] = [{HANDLER!r}]\n"
        "import lambda_function\n"
        "print(len(made))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[-1] == "0"  # after the cold-start log line
