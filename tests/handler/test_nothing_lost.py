"""A job's record heals from what was stored, dead letters end their jobs, and a request that
dies before dispatching leaves neither a pending job nor a rate-limit slot behind."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pixelprompt import aws, config, images, jobs, ratelimit, reconcile
from pixelprompt.providers.base import ProviderError

from tests.handler.support import BUCKET

DENIED = {"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}


class S3Spy:
    """Counts the handler's S3 calls; can refuse PutObject on status.json after `allow` more."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        self.allow: int | None = None
        client = aws.s3()
        original = client._make_api_call

        def spy(op: str, params: dict[str, Any]) -> Any:
            self.calls.append(op)
            if (
                op == "PutObject"
                and params["Key"].endswith("status.json")
                and self.allow is not None
            ):
                if self.allow <= 0:
                    raise ClientError(DENIED, op)
                self.allow -= 1
            return original(op, params)

        monkeypatch.setattr(client, "_make_api_call", spy)


def sqs_event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m-{n}",
                "body": body,
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:dlq",
                "messageAttributes": {
                    "ErrorMessage": {"stringValue": "Runtime exited with error: signal: killed"}
                },
            }
            for n, body in enumerate(bodies)
        ]
    }


def counter_hits(s3: Any) -> list[list[Any]]:
    body = s3.get_object(Bucket=BUCKET, Key=f"{ratelimit.PREFIX}global.json")["Body"].read()
    return json.loads(body)["hits"]


# ---- reconcile on read ------------------------------------------------------------------------


def test_status_heals_a_record_that_never_learned_its_results(
    s3, generate_job, run_worker, get_status, fake_providers, monkeypatch
):
    # GIVEN a job whose worker starts, then S3 refuses every write of its record
    spy = S3Spy(monkeypatch)
    job_id, payload = generate_job()
    spy.allow = 1  # the worker's own start
    with pytest.raises(ClientError):
        run_worker(payload)
    # AND Lambda's retry finds the stored results, runs nothing again, and fails the same way
    with pytest.raises(ClientError):
        run_worker(payload)
    assert len(fake_providers.generate_calls) == 3
    assert jobs.read(s3, BUCKET, job_id)["status"] == "in_progress"
    # WHEN the refusal is lifted and the client polls a record that has gone stale
    spy.allow = None
    monkeypatch.setattr(reconcile, "STALE_SECONDS", 0.0)
    _, body = get_status(job_id)
    # THEN it reads completed with every image, and that is now what the record holds
    assert body["status"] == "completed", body
    assert all(r["status"] == "completed" and r["imageUrl"] for r in body["results"])
    assert jobs.read(s3, BUCKET, job_id)["status"] == "completed"
    assert len(fake_providers.generate_calls) == 3  # no new generation
    # AND the next poll is the usual single read
    spy.calls.clear()
    get_status(job_id)
    assert spy.calls == ["GetObject"]


def test_a_stale_job_with_nothing_new_costs_one_list_and_no_write(
    s3, generate_job, get_status, monkeypatch
):
    job_id, _ = generate_job()
    jobs.update(s3, BUCKET, job_id, lambda d: jobs.start(d, time.time() + 300, time.time()))
    monkeypatch.setattr(reconcile, "STALE_SECONDS", 0.0)
    spy = S3Spy(monkeypatch)
    _, body = get_status(job_id)
    assert body["status"] == "in_progress"
    assert spy.calls == ["GetObject", "ListObjectsV2"]


def test_a_fresh_in_progress_job_is_not_reconciled(s3, generate_job, get_status, monkeypatch):
    job_id, _ = generate_job()
    jobs.update(s3, BUCKET, job_id, lambda d: jobs.start(d, time.time() + 300, time.time()))
    spy = S3Spy(monkeypatch)
    get_status(job_id)
    assert spy.calls == ["GetObject"]


# ---- dead letters -----------------------------------------------------------------------------


def _died_after_one_model(s3: Any, job_id: str) -> None:
    """The worker started, stored model 1's result, merged nothing, and was killed."""
    jobs.update(s3, BUCKET, job_id, lambda d: jobs.start(d, time.time() + 300, time.time()))
    result = {"index": 1, "model": "fake/ok-one", "status": "completed", "imageKey": "images/a.png"}
    jobs.save_result(s3, BUCKET, job_id, {**result, "duration": 1.0, "error": None})


def test_a_dead_lettered_job_ends_partial_keeping_its_stored_result(s3, generate_job, call):
    job_id, payload = generate_job()
    _died_after_one_model(s3, job_id)
    import lambda_function

    answer = lambda_function.lambda_handler(sqs_event(json.dumps(payload)), None)
    assert answer == {"batchItemFailures": []}
    record = jobs.read(s3, BUCKET, job_id)
    assert record["status"] == "partial"
    first, *others = record["results"]
    assert first["status"] == "completed" and first["imageKey"] == "images/a.png"
    assert {(r["status"], r["errorCode"]) for r in others} == {("error", "WORKER_STOPPED")}
    # AND a second delivery of the same message changes nothing
    before = jobs.read(s3, BUCKET, job_id)
    assert lambda_function.lambda_handler(sqs_event(json.dumps(payload)), None) == {
        "batchItemFailures": []
    }
    assert jobs.read(s3, BUCKET, job_id) == before


def test_dead_letters_that_cannot_be_applied_come_back_and_junk_is_dropped(
    s3, generate_job, monkeypatch
):
    job_id, payload = generate_job()
    spy = S3Spy(monkeypatch)
    spy.allow = 0
    import lambda_function

    answer = lambda_function.lambda_handler(
        sqs_event(json.dumps(payload), "not json", json.dumps({"jobId": job_id})), None
    )
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-0"}]}
    assert jobs.read(s3, BUCKET, job_id)["status"] == "pending"


# ---- orphans ----------------------------------------------------------------------------------


def _orphan(s3: Any, ago: float, *, with_record: bool = True) -> str:
    """What a /generate killed after admission (and perhaps the record) leaves behind."""
    cfg = config.get()
    job_id, then = jobs.new_job_id(), time.time() - ago
    ticket = ratelimit.admit(
        s3, cfg, "198.51.100.7", then, token=job_id, dispatch_by=then + jobs.DISPATCH_SECONDS
    )
    if with_record:
        record = jobs.new_record(
            job_id=job_id,
            prompt="orphan",
            parameters={},
            models=[(m.index, m.name, "fake", m.name) for m in cfg.models],
            now=then,
            correlation_id="c",
        )
        record["rateLimit"] = ticket.recorded()
        jobs.create(s3, BUCKET, record)
    return job_id


@pytest.mark.parametrize("with_record", [True, False], ids=["record written", "no record"])
def test_the_next_admission_settles_an_orphan(s3, generate_job, with_record):
    orphan = _orphan(s3, ago=jobs.DISPATCH_SECONDS + 1, with_record=with_record)
    assert len(counter_hits(s3)) == 1
    # WHEN another request is admitted after the orphan's dispatch deadline
    job_id, _ = generate_job()
    # THEN the counter holds exactly the admitted request, and the orphan is failed
    assert [h[1] for h in counter_hits(s3)] == [job_id]
    if with_record:
        record = jobs.read(s3, BUCKET, orphan)
        assert record["status"] == "failed"
        assert {r["errorCode"] for r in record["results"]} == {"NOT_STARTED"}


def test_a_dispatched_job_keeps_its_slot_when_settled(s3, generate_job):
    first, _ = generate_job()
    hits = counter_hits(s3)
    assert len(hits[0]) == 3  # provisional until settled
    # WHEN a later admission settles it (pretend its dispatch deadline passed)
    doc = {"window": 3600, "limit": 1000, "hits": [[h[0], h[1], time.time() - 1] for h in hits]}
    s3.put_object(Bucket=BUCKET, Key=f"{ratelimit.PREFIX}global.json", Body=json.dumps(doc))
    second, _ = generate_job()
    # THEN both count, the first now confirmed
    assert [(h[1], len(h)) for h in counter_hits(s3)] == [(first, 2), (second, 3)]
    assert jobs.read(s3, BUCKET, first)["status"] == "pending"


def test_status_of_an_orphan_fails_it_and_gives_its_slot_back(s3, get_status):
    orphan = _orphan(s3, ago=jobs.DISPATCH_SECONDS + 1)
    _, body = get_status(orphan)
    assert body["status"] == "failed"
    assert {r["error"] for r in body["results"]} == {jobs.NEVER_DISPATCHED}
    assert counter_hits(s3) == []


def test_a_job_within_its_dispatch_deadline_is_left_pending(s3, get_status, generate_job):
    orphan = _orphan(s3, ago=1)
    generate_job()
    _, body = get_status(orphan)
    assert body["status"] == "pending"
    assert len(counter_hits(s3)) == 2


# ---- uniform per-model errors, no key in any of them ------------------------------------------


def test_an_image_that_cannot_be_stored_has_its_code(
    s3, generate_job, run_worker, get_status, monkeypatch
):
    job_id, payload = generate_job()

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ClientError(DENIED, "PutObject")

    monkeypatch.setattr(images, "store", refuse)
    run_worker(payload)
    _, body = get_status(job_id)
    assert {(r["errorCode"], r["error"]) for r in body["results"]} == {
        ("STORAGE_FAILED", "the image could not be stored")
    }


def test_a_key_echoed_by_an_adapter_never_reaches_the_record_or_log(
    s3, set_keys, generate_job, run_worker, get_status, fake_providers, monkeypatch, capsys
):
    key = "sk-canary-0123456789abcdef"
    set_keys({1: key, 2: key, 3: key})  # keys live in the stack's secret
    job_id, payload = generate_job()
    echoed = base64.b64encode(f"Bearer {key}".encode()).decode()

    def leaky(spec, api_key, request, deadline, *, key_label=""):
        raise ProviderError(f"bad auth header {echoed} / {api_key}", code="AUTH")

    monkeypatch.setattr(fake_providers, "generate", leaky)
    from pixelprompt import backends

    backends.use(fake_providers.as_providers())
    run_worker(payload)
    _, body = get_status(job_id)
    assert {r["errorCode"] for r in body["results"]} == {"AUTH"}
    text = json.dumps(body) + capsys.readouterr().out + json.dumps(jobs.read(s3, BUCKET, job_id))
    assert key not in text and base64.b64encode(key.encode()).decode()[:-4] not in text
    assert echoed[12:] not in text


def test_many_unsettled_hits_cost_an_admission_at_most_max_settle_reads(
    s3, generate_job, monkeypatch
):
    # GIVEN a global counter full of provisional hits past their dispatch deadline
    past = time.time() - 1
    hits = [[time.time() - 5, jobs.new_job_id(), past] for _ in range(30)]
    doc = {"window": 3600, "limit": 1000, "hits": hits}
    s3.put_object(Bucket=BUCKET, Key=f"{ratelimit.PREFIX}global.json", Body=json.dumps(doc))
    spy = S3Spy(monkeypatch)
    # WHEN one request is admitted
    job_id, _ = generate_job()
    # THEN it settled only MAX_SETTLE of them (no record: dropped), the rest stay counted
    left = counter_hits(s3)
    assert len(left) == 30 - ratelimit.MAX_SETTLE + 1
    assert left[-1][1] == job_id
    reads = [c for c in spy.calls if c == "GetObject"]
    assert len(reads) <= 2 * 2 + ratelimit.MAX_SETTLE + 2  # counters, settles, mark


def test_an_orphan_leaves_both_counters_however_long_the_global_backlog(s3, generate_job):
    # GIVEN a request from one address that died before writing its record (provisional, due)
    from pixelprompt import config

    cfg, ip, past = config.get(), "203.0.113.77", time.time() - 1
    orphan = ratelimit.admit(s3, cfg, ip, token=jobs.new_job_id(), dispatch_by=past).token
    # AND, ahead of it in the shared global counter, more due hits than one admission settles
    ahead = [[time.time() - 5, jobs.new_job_id(), past] for _ in range(3 * ratelimit.MAX_SETTLE)]
    doc = json.loads(
        s3.get_object(Bucket=BUCKET, Key=f"{ratelimit.PREFIX}global.json")["Body"].read()
    )
    doc["hits"] = ahead + doc["hits"]
    s3.put_object(Bucket=BUCKET, Key=f"{ratelimit.PREFIX}global.json", Body=json.dumps(doc))
    # WHEN the same address is admitted again
    admitted, _ = generate_job(ip=ip)
    # THEN the orphan's verdict, found on its address's counter, drops it from the global one too
    ip_key = ratelimit.ip_counter(cfg, ip).key
    ip_hits = json.loads(s3.get_object(Bucket=BUCKET, Key=ip_key)["Body"].read())["hits"]
    assert [h[1] for h in ip_hits] == [admitted]
    global_tokens = [h[1] for h in counter_hits(s3)]
    assert orphan not in global_tokens and admitted in global_tokens
    # AND the global backlog was still settled only MAX_SETTLE at a time
    assert len(global_tokens) == len(ahead) - ratelimit.MAX_SETTLE + 1


def test_healing_merges_a_retry_attempts_result_and_ignores_the_earlier_ones(
    s3, generate_job, get_status, monkeypatch
):
    job_id, _ = generate_job()

    def retried(d):
        jobs.start(d, time.time() + 300, time.time())
        d["results"][0].update(status="in_progress", attempt=2)
        return d

    jobs.update(s3, BUCKET, job_id, retried)
    first = {"index": 1, "model": "fake/ok-one", "status": "error", "error": "boom", "attempt": 1}
    second = {**first, "status": "completed", "error": None, "imageKey": "images/r.png"}
    jobs.save_result(s3, BUCKET, job_id, first)
    jobs.save_result(s3, BUCKET, job_id, {**second, "attempt": 2})
    monkeypatch.setattr(reconcile, "STALE_SECONDS", 0.0)
    _, body = get_status(job_id)
    assert body["results"][0]["status"] == "completed"
    assert body["results"][0]["imageKey"] == "images/r.png"
