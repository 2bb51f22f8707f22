"""The worker: every model at once, results recorded as they arrive, job status derived."""

from __future__ import annotations

import json
import threading
import time

import pytest
from PIL import Image
from pixelprompt import jobs, worker

from tests.handler.support import BUCKET, model_env


def test_all_models_succeed_job_completed(s3, generate_job, run_worker, get_status):
    # GIVEN a job for three working models
    job_id, payload = generate_job()
    # WHEN the worker runs it
    run_worker(payload)
    # THEN every model completed, with an image URL under the CloudFront domain
    status, body = get_status(job_id)
    assert status == 200
    assert body["status"] == "completed"
    assert (body["completedModels"], body["totalModels"]) == (3, 3)
    for result in body["results"]:
        assert result["status"] == "completed"
        assert result["imageUrl"] == f"https://d111111abcdef8.cloudfront.net/{result['imageKey']}"
        assert result["duration"] >= 0


def test_images_are_stored_under_their_gallery_with_content_type(
    s3, generate_job, run_worker, get_status
):
    job_id, payload = generate_job()
    run_worker(payload)
    _, body = get_status(job_id)
    key = body["results"][1]["imageKey"]
    assert key == f"images/{body['galleryId']}/fake-ok-two-{job_id}.png"
    head = s3.head_object(Bucket=BUCKET, Key=key)
    assert head["ContentType"] == "image/png"
    assert Image.open(s3.get_object(Bucket=BUCKET, Key=key)["Body"]).format == "PNG"


def test_some_models_fail_job_partial_with_reasons(
    s3, set_env, generate_job, run_worker, get_status
):
    # GIVEN one good model, one moderated, one returning HTML, one unknown, one crashing
    set_env(
        **model_env(["fake/ok", "fake/moderated", "fake/text", "Mystery Model 9", "fake/crash"])
    )
    job_id, payload = generate_job()
    # WHEN the worker runs
    run_worker(payload)
    # THEN the job is partial and each failure says why
    _, body = get_status(job_id)
    assert body["status"] == "partial"
    errors = {r["model"]: r.get("error") for r in body["results"]}
    assert errors["fake/ok"] is None
    assert "moderated" in errors["fake/moderated"]
    assert "not a valid image" in errors["fake/text"]
    assert "Mystery Model 9" in errors["Mystery Model 9"]
    assert errors["fake/crash"] == "internal error (RuntimeError)"
    assert [r["model"] for r in body["results"]] == [
        "fake/ok",
        "fake/moderated",
        "fake/text",
        "Mystery Model 9",
        "fake/crash",
    ]


def test_no_model_succeeds_job_failed(s3, set_env, generate_job, run_worker, get_status):
    set_env(**model_env(["fake/moderated", "fake/text"]))
    job_id, payload = generate_job()
    run_worker(payload)
    _, body = get_status(job_id)
    assert body["status"] == "failed"
    assert body["completedModels"] == 2


def test_failed_model_has_no_image_url(s3, set_env, generate_job, run_worker, get_status):
    set_env(**model_env(["fake/moderated"]))
    job_id, payload = generate_job()
    run_worker(payload)
    _, body = get_status(job_id)
    assert body["results"][0]["imageUrl"] is None
    assert body["results"][0]["status"] == "error"


def test_parameters_reach_the_provider(s3, dispatched, event, call, run_worker, fake_providers):
    call(
        event(
            "httpApiV2_generate.json",
            body={"prompt": "fox", "steps": 20, "guidance": 3, "control": 1.5},
        )
    )
    run_worker(dispatched[-1])
    requests = {req for _, req in fake_providers.generate_calls}
    assert {(r.prompt, r.steps, r.guidance, r.control) for r in requests} == {("fox", 20, 3.0, 1.5)}


def test_per_model_deadline_fits_the_remaining_time(s3, generate_job, run_worker, fake_providers):
    # GIVEN an invocation with 100 s left
    _, payload = generate_job()
    started = time.monotonic()
    # WHEN the worker runs
    run_worker(payload, remaining_ms=100_000)
    # THEN each model's deadline is the remaining time less the safety margin
    budget = max(fake_providers.deadlines) - started
    assert 100 - worker.SAFETY_MARGIN_S - 2 < budget <= 100 - worker.SAFETY_MARGIN_S + 0.5


def test_per_model_deadline_is_capped(s3, generate_job, run_worker, fake_providers):
    _, payload = generate_job()
    started = time.monotonic()
    run_worker(payload, remaining_ms=890_000)
    assert (
        worker.MODEL_CAP_S - 1 < max(fake_providers.deadlines) - started <= worker.MODEL_CAP_S + 0.5
    )


def test_model_past_its_deadline_becomes_an_error(
    s3, set_env, generate_job, run_worker, get_status, monkeypatch
):
    # GIVEN a 1.5 s invocation (small margins) and one model that overruns
    monkeypatch.setattr(worker, "SAFETY_MARGIN_S", 0.5)
    monkeypatch.setattr(worker, "MIN_MODEL_S", 0.1)
    monkeypatch.setattr(worker, "JOIN_GRACE_S", 0.2)
    set_env(**model_env(["fake/ok", "fake/slow"]))
    job_id, payload = generate_job()
    # WHEN the worker runs
    run_worker(payload, remaining_ms=1500)
    # THEN the fast model is kept and the slow one is an error; the job is over
    _, body = get_status(job_id)
    assert body["status"] == "partial"
    assert body["results"][1]["error"] == "the model did not answer before the job's deadline"


def test_too_little_time_fails_the_job_without_running(
    s3, generate_job, run_worker, get_status, fake_providers
):
    job_id, payload = generate_job()
    run_worker(payload, remaining_ms=10_000)
    _, body = get_status(job_id)
    assert body["status"] == "failed"
    assert fake_providers.generate_calls == []


def test_replayed_worker_event_does_not_rerun_a_finished_job(
    s3, generate_job, run_worker, fake_providers
):
    # GIVEN a finished job
    _, payload = generate_job()
    run_worker(payload)
    calls = len(fake_providers.generate_calls)
    # WHEN Lambda delivers the same event again
    out = run_worker(payload)
    # THEN no model is called again
    assert out["status"] == "completed"
    assert len(fake_providers.generate_calls) == calls


def test_worker_event_for_unknown_job_is_ignored(s3, run_worker):
    out = run_worker({"pixelprompt": "run-job", "jobId": "8d0c5b38-3a47-4ab8-9fd4-30a6b0a9f2ee"})
    assert out["status"] == "missing"


def test_per_model_result_objects_are_written_once(s3, generate_job, run_worker):
    job_id, payload = generate_job()
    run_worker(payload)
    keys = [
        o["Key"]
        for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=f"jobs/{job_id}/results/")["Contents"]
    ]
    assert keys == [jobs.result_key(job_id, i) for i in (1, 2, 3)]
    one = json.loads(s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read())
    assert (one["index"], one["model"], one["status"]) == (1, "fake/ok-one", "completed")


def test_results_are_visible_while_others_still_run(
    s3, set_env, generate_job, fake_providers, get_status
):
    # GIVEN a job whose second model waits on a gate
    import threading

    import lambda_function

    from tests.handler.support import Context

    set_env(**model_env(["fake/ok-fast", "fake/ok-gated"]))
    gate = threading.Event()
    original = fake_providers.generate

    def gated(spec, *args, **kwargs):
        if spec.model_id == "ok-gated":
            gate.wait(5)
        return original(spec, *args, **kwargs)

    fake_providers.generate = gated  # type: ignore[method-assign]
    from pixelprompt import backends

    backends.use(fake_providers.as_providers())
    job_id, payload = generate_job()
    runner = threading.Thread(target=lambda_function.lambda_handler, args=(payload, Context()))
    runner.start()
    # WHEN the first result has landed
    deadline = time.monotonic() + 5
    body = {}
    while time.monotonic() < deadline:
        _, body = get_status(job_id)
        if body["completedModels"] == 1:
            break
        time.sleep(0.02)
    gate.set()
    runner.join(5)
    # THEN /status showed it in progress, with the fast model done and the gated one running
    assert body["status"] == "in_progress"
    assert [r["status"] for r in body["results"]] == ["completed", "in_progress"]


@pytest.mark.parametrize(
    ("status_value", "reason", "code"),
    [
        ("pending", jobs.STOPPED, "WORKER_STOPPED"),
        ("in_progress", jobs.STOPPED, "WORKER_STOPPED"),
    ],
)
def test_job_past_its_deadline_is_reported_over(
    s3, generate_job, get_status, status_value, reason, code
):
    # GIVEN a job whose worker died: one model done, the other still in progress, deadline passed
    job_id, _ = generate_job()

    def died(doc):
        doc = (
            jobs.start(doc, time.time() - 1, time.time() - 100)
            if status_value == "in_progress"
            else doc
        )
        doc["deadline"] = time.time() - 1
        doc["results"][0].update(status="completed", imageKey="images/g/x.png")
        return jobs.summarise(doc)

    jobs.update(s3, BUCKET, job_id, died)
    # WHEN the client polls
    _, body = get_status(job_id)
    # THEN the job is over, the finished result kept (so: partial) and the others explained
    assert body["status"] == "partial"
    assert body["results"][0]["status"] == "completed"
    assert body["results"][1]["status"] == "error"
    assert (body["results"][1]["error"], body["results"][1]["errorCode"]) == (reason, code)
    # AND that answer was written back: the next poll reads a terminal record
    assert jobs.read(s3, BUCKET, job_id)["status"] == "partial"


def test_dispatched_job_no_worker_started_fails_at_its_queue_deadline(s3, generate_job, get_status):
    job_id, _ = generate_job()
    record = jobs.read(s3, BUCKET, job_id)
    assert record["dispatchedAt"] and record["deadline"] > record["dispatchBy"]
    assert record["deadline"] == pytest.approx(time.time() + jobs.QUEUE_SECONDS, abs=5)
    jobs.update(s3, BUCKET, job_id, lambda d: jobs.with_deadline(d, time.time() - 1))
    _, body = get_status(job_id)
    assert body["status"] == "failed"
    assert {(r["errorCode"], r["error"]) for r in body["results"]} == {
        ("NOT_STARTED", jobs.NEVER_STARTED)
    }


def test_expired_job_is_not_started_late(s3, generate_job, run_worker, fake_providers):
    job_id, payload = generate_job()
    jobs.update(s3, BUCKET, job_id, lambda d: jobs.with_deadline(d, time.time() - 1))
    run_worker(payload)
    assert fake_providers.generate_calls == []


def test_key_label_names_the_slot_parameter(s3, set_env, generate_job, run_worker, fake_providers):
    seen = []
    original = fake_providers.generate

    def spy(spec, key, request, deadline, *, key_label=""):
        seen.append((spec.model_id, key, key_label))
        return original(spec, key, request, deadline, key_label=key_label)

    fake_providers.generate = spy  # type: ignore[method-assign]
    from pixelprompt import backends

    backends.use(fake_providers.as_providers())
    _, payload = generate_job()
    run_worker(payload)
    assert sorted(seen) == [
        ("ok-one", "key-1", "Model1Key"),
        ("ok-three", "key-3", "Model3Key"),
        ("ok-two", "key-2", "Model2Key"),
    ]


def test_worker_without_bucket_stops_cleanly(s3, set_env, run_worker):
    set_env(S3_BUCKET=None)
    out = run_worker({"pixelprompt": "run-job", "jobId": "8d0c5b38-3a47-4ab8-9fd4-30a6b0a9f2ee"})
    assert out["status"] == "misconfigured"


def test_worker_event_with_a_bad_job_id_is_ignored(s3, run_worker):
    out = run_worker({"pixelprompt": "run-job", "jobId": "../../etc"})
    assert out["status"] == "missing"


def test_image_that_cannot_be_stored_is_that_models_error(
    s3, generate_job, run_worker, get_status, monkeypatch
):
    from botocore.exceptions import ClientError

    def refuse(*args, **kwargs):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "PutObject")

    monkeypatch.setattr("pixelprompt.images.store", refuse)
    job_id, payload = generate_job()
    run_worker(payload)
    _, body = get_status(job_id)
    assert body["status"] == "failed"
    assert {r["error"] for r in body["results"]} == {"the image could not be stored"}


def test_worker_logs_carry_the_requests_correlation_id(
    s3, dispatched, event, call, run_worker, capsys
):
    # GIVEN a job created with a correlation id
    call(event("httpApiV2_generate.json", headers={"x-correlation-id": "follow-me-9"}))
    capsys.readouterr()
    # WHEN the worker runs it (threads included)
    run_worker(dispatched[-1])
    # THEN every worker log line carries the same id (a model thread an earlier test left
    # hanging past its deadline may still log here: it names its own job)
    job_id = dispatched[-1]["jobId"]
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x]
    lines = [x for x in lines if x.get("job", job_id) == job_id]
    assert any(x["message"] == "model finished" for x in lines)
    assert {x["correlationId"] for x in lines} == {"follow-me-9"}


def test_redelivered_event_does_not_send_models_an_earlier_run_sent(
    s3, generate_job, run_worker, get_status, fake_providers
):
    # GIVEN a job whose first worker run claimed every model, then died before any answer
    job_id, payload = generate_job()
    jobs.update(s3, BUCKET, job_id, lambda d: jobs.start(d, time.time() + 600, time.time()))
    # WHEN Lambda delivers the same event again
    out = run_worker(payload)
    # THEN nothing is sent again (each model may already be billed), and nothing is overwritten
    assert out["status"] == "already-started"
    assert fake_providers.generate_calls == []
    _, body = get_status(job_id)
    assert [r["status"] for r in body["results"]] == ["in_progress"] * len(body["results"])


def test_a_partly_claimed_job_sends_only_the_unclaimed_models(
    s3, generate_job, run_worker, get_status, fake_providers
):
    # GIVEN a job in which an earlier run already sent model 1 and is still waiting for it
    job_id, payload = generate_job()

    def first_sent(doc):
        doc["results"][0]["status"] = "in_progress"
        return jobs.summarise(doc)

    jobs.update(s3, BUCKET, job_id, first_sent)
    first = jobs.read(s3, BUCKET, job_id)["results"][0]["model"]
    # WHEN a worker runs
    run_worker(payload)
    # THEN it sends every other model once, and leaves model 1 to the run that sent it
    _, body = get_status(job_id)
    assert first.split("/", 1)[1] not in [model for model, _ in fake_providers.generate_calls]
    assert len(fake_providers.generate_calls) == len(body["results"]) - 1
    assert body["results"][0]["status"] == "in_progress"
    assert all(r["status"] == "completed" for r in body["results"][1:])


def test_the_same_event_delivered_twice_at_once_sends_each_model_once(
    s3, generate_job, run_worker, get_status, fake_providers
):
    # GIVEN one job, and Lambda delivering its event to two execution environments together
    job_id, payload = generate_job()
    start = threading.Barrier(2)
    outcomes: list[dict] = []

    def deliver() -> None:
        start.wait(timeout=10)
        outcomes.append(run_worker(payload))

    runs = [threading.Thread(target=deliver) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=30)
    # THEN the compare-and-swap lets one claim the models: each is sent exactly once
    _, body = get_status(job_id)
    # (the second delivery finds the models claimed, or, when it starts late, the job finished)
    statuses = sorted(o["status"] for o in outcomes)
    assert statuses in (["already-started", "done"], ["completed", "done"]), statuses
    sent = sorted(model for model, _ in fake_providers.generate_calls)
    assert sent == sorted(r["model"].split("/", 1)[1] for r in body["results"])
    assert body["status"] == "completed"
