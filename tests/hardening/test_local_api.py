"""One local run for the API's contract and for secrets: schemathesis, a scripted session, a search.

1. schemathesis against the real local API from openapi.json: every phase (examples, coverage --
   edge values and odd methods --, fuzzing, and stateful runs that follow the document's links
   from /generate to /status and /gallery), fixed seed, bounded examples per operation. Checks:
   not_a_server_error, status codes, content types, headers (Retry-After on 429) and bodies as
   documented, and negative_data_rejection (input that breaks the schema must get a 4xx). Not
   checked, with reason: `unsupported_method` and `positive_data_acceptance` -- API Gateway
   answers a method no route has with 404 before the function runs, and a valid but unknown job
   id is rightly a 404.
2. A scripted session on top (jobs, one provider refusing its key with a 401, enhance that
   succeeds and fails, galleries, a client log report, bad requests), then SIGINT.
3. Everything captured -- the process output (deploy and outputs tables, function logs), the
   outputs file, every HTTP exchange of the session and schemathesis' HAR record of all of its
   own -- is searched for each distinctive fake key and for its random core.
"""

from __future__ import annotations

import importlib.util
import json
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.driver import ROOT, LocalStack, local_stack, parameters

pytestmark = pytest.mark.e2e

PROVIDERS = ["openai", "bfl", "stability", "recraft", "google"]
CORES = {p: f"PPCSECRET{secrets.token_hex(10).upper()}" for p in PROVIDERS}
KEYS = {p: f"sk-{p}-{core}" for p, core in CORES.items()}
# A key edited into the secret by hand with a line break (deploy.py refuses such a key, so it
# goes in behind its back): requests' InvalidHeader would quote it.
NEWLINE_CORE = f"PPCNEWLINE{secrets.token_hex(10).upper()}"
MODELS = [
    ("openai/gpt-image-2", KEYS["openai"]),
    ("bfl/flux-pro-1.1", KEYS["bfl"]),
    ("stability/sd3.5-large", KEYS["stability"]),
    ("recraft/recraftv3", KEYS["recraft"]),
    ("google/gemini-3.1-flash-image", KEYS["google"]),
    ("bedrock/stability.stable-image-core-v1:1", ""),
]
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
]
MAX_EXAMPLES = 12


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("api")


@pytest.fixture(scope="module")
def stack(workdir: Path) -> Iterator[LocalStack]:
    # 127.0.0.1 (schemathesis, the session) is whitelisted: no limit answers for the schema.
    params = parameters(MODELS, ip_limit=1000, global_limit=5000, whitelist="127.0.0.1")
    with local_stack(params, workdir / "stack") as running:
        running.control("POST", "/_control/latency", {"seconds": 0.05})
        running.control("DELETE", "/_control/faults")
        yield running


def _keeps_to_its_openapi_document(stack: LocalStack, workdir: Path) -> None:
    if importlib.util.find_spec("schemathesis") is None:
        pytest.skip("schemathesis is not installed: pip install schemathesis==4.32.5")
    report = workdir / "report"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            str(ROOT / "openapi.json"),
            "--url",
            stack.api,
            "--checks",
            ",".join(CHECKS),
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            "20261125",
            "--workers",
            "1",  # schemathesis' own generation is not thread-safe on 3.11 (AST errors)
            "--request-timeout",
            "40",
            "--suppress-health-check",
            "all",
            "--generation-database",
            "none",
            "--no-color",
            "--report",
            "junit,har",
            "--report-dir",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=workdir,
    )
    out = proc.stdout + proc.stderr
    stack.transcript.append("schemathesis output: " + out)
    hars = [har.read_text(errors="replace") for har in report.glob("har-*")]
    assert hars and "/generate" in hars[0], "no HAR record of schemathesis' exchanges"
    stack.transcript.extend(hars)  # every request and response schemathesis exchanged
    assert proc.returncode == 0, out[-8000:]
    tested = re.search(r"(\d+) generated, (\d+) passed", out)
    assert tested, out[-3000:]
    assert int(tested.group(1)) >= 200 and tested.group(1) == tested.group(2), tested.group(0)


def _no_key_appears_anywhere_during_a_full_run(stack: LocalStack) -> None:
    # a job where every provider answers, then one where OpenAI refuses its key
    first = stack.call(
        "POST",
        "/generate",
        {"prompt": "a map of the secret garden"},
        headers={"X-Correlation-ID": "secrets-run-1"},
    )
    assert first.status == 202, first
    done = stack.wait_terminal(first.json()["jobId"], within_s=60)
    assert done["status"] == "completed", done
    assert stack.call("POST", "/enhance", {"prompt": "a key"}).status == 200

    stack.control("POST", "/_control/faults", {"provider": "openai", "mode": "401"})
    second = stack.call("POST", "/generate", {"prompt": "a locked door"})
    assert second.status == 202, second
    refused = stack.wait_terminal(second.json()["jobId"], within_s=60)
    openai = next(r for r in refused["results"] if r["model"] == "openai/gpt-image-2")
    assert openai["status"] == "error" and openai.get("errorCode") == "AUTH", openai
    assert stack.call("POST", "/enhance", {"prompt": "a key"}).status == 502
    stack.control("DELETE", "/_control/faults")

    _newline_key_job(stack)

    galleries = stack.call("GET", "/gallery/list")
    assert galleries.status == 200 and galleries.json()["galleries"], galleries
    assert stack.call("GET", f"/gallery/{galleries.json()['galleries'][0]['id']}").status == 200
    assert stack.call("POST", "/log", {"level": "error", "message": "img failed"}).status == 204
    assert stack.call("POST", "/generate", b"{not json").status == 400
    assert stack.call("GET", "/status/not-a-uuid").status == 400
    assert stack.call("GET", "/nowhere").status == 404

    _record_what_aws_shows(stack)
    stack.stop_and_check()
    stack.wait_output_closed()
    captured = stack.everything()

    # The capture holds the run: the outputs table, the function's own log lines, the answers.
    process_output = "".join(stack.output_lines)
    assert "LocalApiEndpoint" in process_output and "secrets-run-1" in process_output
    assert "a locked door" in captured and "jobId" in captured
    assert "PROVIDER_SECRET_ARN" in captured and "SecretsDigest" in captured  # both recorded
    for provider, key in KEYS.items():
        assert key not in captured, f"{provider}'s key leaked"
        assert CORES[provider] not in captured, f"part of {provider}'s key leaked"
    assert NEWLINE_CORE not in captured, "the key with a line break leaked"


def _newline_key_job(stack: LocalStack) -> None:
    """Slot 1's key gets a line break inside; a new environment reads it; a job runs."""
    sm = stack.client("secretsmanager")
    function = stack.client("lambda").get_function_configuration(
        FunctionName=stack.outputs["FunctionName"]
    )
    arn = function["Environment"]["Variables"]["PROVIDER_SECRET_ARN"]
    doc = json.loads(sm.get_secret_value(SecretId=arn)["SecretString"])
    original = doc["keys"]["1"]
    doc["keys"]["1"] = f"sk-openai-{NEWLINE_CORE}\nX-Injected: 1"
    sm.put_secret_value(SecretId=arn, SecretString=json.dumps(doc))
    stack.configure_function(env={"PROVIDER_SECRET_VERSION": "newline-canary"})
    try:
        reply = stack.call("POST", "/generate", {"prompt": "a broken key"})
        assert reply.status == 202, reply
        done = stack.wait_terminal(reply.json()["jobId"], within_s=60)
        openai = next(r for r in done["results"] if r["model"] == "openai/gpt-image-2")
        assert openai["status"] == "error" and openai.get("errorCode") == "AUTH", openai
        assert "Model1Key" in openai["error"], openai
    finally:
        doc["keys"]["1"] = original
        sm.put_secret_value(SecretId=arn, SecretString=json.dumps(doc))
        stack.configure_function(env={"PROVIDER_SECRET_VERSION": "restored"})


def _record_what_aws_shows(stack: LocalStack) -> None:
    """What a read-only role sees: the function's configuration, the stack, its template."""
    lam, cfn = stack.client("lambda"), stack.client("cloudformation")
    config = lam.get_function_configuration(FunctionName=stack.outputs["FunctionName"])
    (described,) = cfn.describe_stacks()["Stacks"]
    template = cfn.get_template(StackName=described["StackName"])["TemplateBody"]
    for shown in (config, described, template):
        stack.transcript.append(json.dumps(shown, default=str))


def test_the_api_keeps_to_its_openapi_document_and_no_key_appears_anywhere(
    stack: LocalStack, workdir: Path
) -> None:
    """One scenario on one local run: schemathesis against openapi.json, then a full run, then
    the search of everything both produced (schemathesis' record included) for any key. The
    search needs the stop, and the stop ends the run, so they are one test in this order."""
    _keeps_to_its_openapi_document(stack, workdir)
    _no_key_appears_anywhere_during_a_full_run(stack)
