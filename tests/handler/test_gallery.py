"""Galleries: one per job, listed newest first, each with its images, models and prompt."""

from __future__ import annotations

import pytest
from pixelprompt import jobs

from tests.handler.support import BUCKET, model_env, png_bytes


def _gallery_with(s3, job_id: str, when: float, models: list[str]) -> str:
    gid = jobs.gallery_id(job_id, when)
    for model in models:
        s3.put_object(Bucket=BUCKET, Key=f"images/{gid}/{model}-{job_id}.png", Body=png_bytes())
    return gid


def test_gallery_list_is_newest_first(s3, event, call):
    # GIVEN three galleries made at different times
    old = _gallery_with(s3, "00000000-0000-4000-8000-000000000001", 1_700_000_000, ["a"])
    new = _gallery_with(s3, "00000000-0000-4000-8000-000000000002", 1_800_000_000, ["a", "b"])
    mid = _gallery_with(s3, "00000000-0000-4000-8000-000000000003", 1_750_000_000, ["a"])
    # WHEN they are listed
    status, body, _ = call(event("httpApiV2_galleryList.json"))
    # THEN newest first, with count, time and a preview URL
    assert status == 200
    assert [g["id"] for g in body["galleries"]] == [new, mid, old]
    first = body["galleries"][0]
    assert first["imageCount"] == 2
    assert first["timestamp"] == "2027-01-15T08:00:00.000Z"
    assert first["preview"].startswith(f"https://d111111abcdef8.cloudfront.net/images/{new}/")


def test_gallery_list_limit_keeps_the_newest(s3, event, call):
    ids = [
        _gallery_with(s3, f"00000000-0000-4000-8000-00000000000{n}", 1_700_000_000 + n, ["a", "b"])
        for n in range(1, 5)
    ]
    ev = event("httpApiV2_galleryList.json")
    ev["queryStringParameters"] = {"limit": "2"}
    _, body, _ = call(ev)
    assert [g["id"] for g in body["galleries"]] == [ids[3], ids[2]]
    assert [g["imageCount"] for g in body["galleries"]] == [2, 2]


@pytest.mark.parametrize("limit", ["0", "201", "ten", "-1"])
def test_gallery_list_bad_limit_is_400(s3, event, call, limit):
    ev = event("httpApiV2_galleryList.json")
    ev["queryStringParameters"] = {"limit": limit}
    status, body, _ = call(ev)
    assert (status, body["code"]) == (400, "INVALID_PARAMETER")


def test_gallery_list_skips_foreign_keys(s3, event, call):
    s3.put_object(Bucket=BUCKET, Key="images/not-a-gallery/x.png", Body=b"x")
    _, body, _ = call(event("httpApiV2_galleryList.json"))
    assert body == {"galleries": [], "next": None}


def test_gallery_of_a_finished_job_names_models_and_prompt(
    s3, generate_job, run_worker, get_status, event, call
):
    # GIVEN a finished job
    job_id, payload = generate_job(prompt="a teal heron")
    run_worker(payload)
    _, job = get_status(job_id)
    # WHEN its gallery is opened
    status, body, _ = call(event("httpApiV2_galleryGet.json", path=f"/gallery/{job['galleryId']}"))
    # THEN each image carries its model (slot order), URL and the prompt
    assert status == 200
    assert body["id"] == job["galleryId"]
    assert [(i["model"], i["prompt"]) for i in body["images"]] == [
        ("fake/ok-one", "a teal heron"),
        ("fake/ok-two", "a teal heron"),
        ("fake/ok-three", "a teal heron"),
    ]
    assert body["images"][0]["url"] == job["results"][0]["imageUrl"]


def test_gallery_without_its_job_record_still_lists_images(s3, event, call):
    gid = _gallery_with(s3, "00000000-0000-4000-8000-000000000009", 1_800_000_000, ["flux-pro"])
    status, body, _ = call(event("httpApiV2_galleryGet.json", path=f"/gallery/{gid}"))
    assert status == 200
    assert [(i["model"], i["prompt"]) for i in body["images"]] == [("flux-pro", "")]


def test_absent_gallery_is_404(s3, call):
    from tests.handler.support import load_event

    status, body, _ = call(load_event("httpApiV2_galleryGet.json"))
    assert (status, body["code"]) == (404, "GALLERY_NOT_FOUND")


@pytest.mark.parametrize("gid", ["..%2F..%2Fjobs", "123", "8204362017876-NOT-A-UUID", "x" * 300])
def test_malformed_gallery_id_is_400(s3, event, call, gid):
    status, body, _ = call(event("httpApiV2_galleryGet.json", path=f"/gallery/{gid}"))
    assert (status, body["code"]) == (400, "INVALID_GALLERY_ID")


def _gallery_list(call, event, query):
    ev = event("httpApiV2_galleryList.json")
    ev["queryStringParameters"] = query
    status, body, _ = call(ev)
    return status, body


def test_gallery_pages_past_the_limit_with_a_cursor(s3, generate_job, run_worker, event, call):
    # GIVEN five finished jobs
    made = []
    for n in range(5):
        job_id, payload = generate_job(prompt=f"prompt number {n}")
        run_worker(payload)
        made.append(job_id)
    # WHEN listed two at a time, following `next`
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        status, body = _gallery_list(call, event, query)
        assert status == 200 and len(body["galleries"]) <= 2
        seen.extend(body["galleries"])
        pages += 1
        cursor = body["next"]
        if cursor is None:
            break
        assert pages < 10
    # THEN every gallery comes once, newest first, with its prompt and thumbnails
    assert pages == 3
    assert [g["jobId"] for g in seen] == list(reversed(made))
    assert [g["prompt"] for g in seen] == [f"prompt number {n}" for n in reversed(range(5))]
    assert all(len(g["thumbnails"]) == 3 and g["thumbnails"][0] == g["preview"] for g in seen)


def test_gallery_detail_lists_failed_models_with_their_error(
    s3, set_env, generate_job, run_worker, event, call
):
    set_env(**model_env(["fake/ok-one", "fake/moderated"]))
    _job_id, payload = generate_job()
    run_worker(payload)
    _status, listing = _gallery_list(call, event, None)
    gid = listing["galleries"][0]["id"]
    assert listing["galleries"][0]["failedCount"] == 1
    _, body, _ = call(event("httpApiV2_galleryGet.json", path=f"/gallery/{gid}"))
    assert [i["model"] for i in body["images"]] == ["fake/ok-one"]
    assert body["failed"] == [
        {
            "index": 2,
            "model": "fake/moderated",
            "status": "error",
            "error": "The provider refused the prompt (moderated).",
            "errorCode": "MODERATED",
        }
    ]


@pytest.mark.parametrize(
    "query",
    [{"limit": "²"}, {"limit": "٣"}, {"limit": "\uff11\uff10"}, {"limit": "0"}, {"limit": "201"},
     {"limit": "-1"}, {"limit": " 5"}, {"cursor": "x"}, {"cursor": "²" * 13}],
)  # fmt: skip
def test_every_gallery_list_parameter_parses_strictly(s3, event, call, query):
    status, body = _gallery_list(call, event, query)
    assert (status, body["code"]) == (400, "INVALID_PARAMETER"), query
    assert body["error"].endswith(".")
