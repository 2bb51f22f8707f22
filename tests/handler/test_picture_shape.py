"""POST /generate with aspectRatio, seed and a subset of models: what each result reports."""

from __future__ import annotations

import pytest
from pixelprompt.providers import shapes

from tests.handler.support import model_env

REAL_SHAPES = [
    "fake/openai:gpt-image-2",
    "fake/bfl:flux-pro-1.1",
    "fake/stability:sd3.5-large",
    "fake/recraft:recraftv3",
    "fake/google:gemini-3-pro-image",
    "fake/bedrock:amazon.nova-canvas-v1:0",
    "fake/bfl:flux-pro-1.1-ultra",
]


@pytest.fixture
def generate(event, call, dispatched):
    def post(body, ip=None):
        status, answer, _headers = call(event("httpApiV2_generate.json", body=body, ip=ip))
        return status, answer, (dispatched[-1] if dispatched and status == 202 else None)

    return post


def _results(get_status, job_id):
    status, body = get_status(job_id)
    assert status == 200
    return {r["model"]: r for r in body["results"]}, body


def test_16_9_with_a_seed_is_mapped_per_provider_and_reported(
    s3, set_env, generate, run_worker, get_status
):
    # GIVEN models that stand for each provider's request shape
    set_env(**model_env(REAL_SHAPES))
    # WHEN a 16:9 job with seed 42 runs
    status, body, payload = generate({"prompt": "a tall ship", "aspectRatio": "16:9", "seed": 42})
    assert status == 202, body
    run_worker(payload)
    results, job = _results(get_status, body["jobId"])
    # THEN each result says what its provider was sent, in the provider's own terms
    sent = {name: r["sent"] for name, r in results.items()}
    assert sent == {
        "fake/openai:gpt-image-2": {"size": "1536x864", "seed": None},
        "fake/bfl:flux-pro-1.1": {"size": "1024x576", "seed": 42},
        "fake/stability:sd3.5-large": {"aspectRatio": "16:9", "seed": 42},
        "fake/recraft:recraftv3": {"size": "16:9", "seed": None},
        "fake/google:gemini-3-pro-image": {"aspectRatio": "16:9", "seed": 42},
        "fake/bedrock:amazon.nova-canvas-v1:0": {"size": "1280x720", "seed": 42},
        "fake/bfl:flux-pro-1.1-ultra": {"aspectRatio": "16:9", "seed": 42},
    }
    # AND what came back, measured from the image itself
    for name, r in results.items():
        assert r["status"] == "completed", (name, r)
        assert set(r["received"]) == {"width", "height", "seed"}
        assert r["received"]["width"] > r["received"]["height"], name
    # AND the choices a provider could not honour are said, not silently dropped
    openai_notes = results["fake/openai:gpt-image-2"]["notes"]
    assert openai_notes == ["OpenAI's API takes no seed, so the seed was not sent"]
    assert results["fake/recraft:recraftv3"]["notes"] == [
        "Recraft documents no seed that repeats an image, so the seed was not sent"
    ]
    assert results["fake/bfl:flux-pro-1.1"]["notes"] == []
    assert job["parameters"] == {"aspectRatio": "16:9", "seed": 42}
    # AND the leaderboard identity is provider/model id
    assert results["fake/bfl:flux-pro-1.1"]["modelId"] == "flux-pro-1.1"


def test_an_earlier_gpt_image_model_gets_its_nearest_size_and_says_so(
    s3, set_env, generate, run_worker, get_status
):
    set_env(**model_env(["fake/openai:gpt-image-1.5"]))
    _, body, payload = generate({"prompt": "a fox", "aspectRatio": "16:9"})
    run_worker(payload)
    results, _ = _results(get_status, body["jobId"])
    r = results["fake/openai:gpt-image-1.5"]
    assert r["sent"] == {"size": "1536x1024", "seed": None}
    assert r["notes"] == ["OpenAI has no 16:9 size; sent 1536x1024, its nearest"]


def test_stability_has_no_4_3_and_says_which_ratio_it_got(
    s3, set_env, generate, run_worker, get_status
):
    set_env(**model_env(["fake/stability:ultra", "fake/openai:gpt-image-2"]))
    _status, body, payload = generate({"prompt": "a fox", "aspectRatio": "4:3"})
    run_worker(payload)
    results, _ = _results(get_status, body["jobId"])
    stability = results["fake/stability:ultra"]
    assert stability["sent"] == {"aspectRatio": "5:4", "seed": None}
    assert stability["notes"] == ["Stability AI has no 4:3 size; sent 5:4, its nearest"]


def test_a_returned_size_other_than_the_one_sent_is_noted(
    s3, set_env, generate, run_worker, get_status, fake_providers
):
    # GIVEN a provider that ignores the size and always answers with a square
    set_env(**model_env(["fake/bfl:flux-dev"]))
    fake_providers.generate = _always_square(fake_providers.generate)  # type: ignore[method-assign]
    from pixelprompt import backends

    backends.use(fake_providers.as_providers())
    _status, body, payload = generate({"prompt": "a fox", "aspectRatio": "9:16"})
    run_worker(payload)
    results, _ = _results(get_status, body["jobId"])
    r = results["fake/bfl:flux-dev"]
    assert r["received"]["width"] == r["received"]["height"] == 8
    assert r["notes"] == ["the image came back 8x8, not 576x1024"]


def _always_square(original):
    from pixelprompt.providers.base import GeneratedImage

    from tests.handler.support import png_bytes

    def generate(spec, api_key, request, deadline, *, key_label=""):
        original(spec, api_key, request, deadline, key_label=key_label)
        return GeneratedImage(png_bytes(), "image/png")

    return generate


def test_without_a_shape_every_provider_gets_1_1(s3, set_env, generate, run_worker, get_status):
    set_env(**model_env(REAL_SHAPES[:2]))
    _status, body, payload = generate({"prompt": "a fox"})
    run_worker(payload)
    results, job = _results(get_status, body["jobId"])
    assert results["fake/openai:gpt-image-2"]["sent"] == {"size": "1024x1024", "seed": None}
    assert results["fake/bfl:flux-pro-1.1"]["sent"] == {"size": "1024x1024", "seed": None}
    assert all(r["notes"] == [] for r in results.values())
    assert "aspectRatio" not in job["parameters"]


def test_a_subset_of_models_runs_only_those(s3, generate, run_worker, get_status, fake_providers):
    # GIVEN three configured models, WHEN slots 1 and 3 are asked for
    status, body, payload = generate({"prompt": "a fox", "models": [3, 1]})
    assert status == 202 and body["totalModels"] == 2
    run_worker(payload)
    _, job = _results(get_status, body["jobId"])
    # THEN only those two ran, in slot order, and the job is complete with them
    assert [r["index"] for r in job["results"]] == [1, 3]
    assert sorted(m for m, _ in fake_providers.generate_calls) == ["ok-one", "ok-three"]
    assert job["status"] == "completed"


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        ({"aspectRatio": "2:1"}, "aspectRatio must be one of 1:1, 4:3, 3:4, 16:9, 9:16."),
        ({"aspectRatio": 1.5}, "aspectRatio must be one of 1:1, 4:3, 3:4, 16:9, 9:16."),
        ({"seed": -1}, "seed must be between 0 and 2147483647."),
        ({"seed": 2**31}, "seed must be between 0 and 2147483647."),
        ({"seed": "42"}, "seed must be a whole number."),
        ({"seed": True}, "seed must be a whole number."),
        ({"seed": 4.5}, "seed must be a whole number."),
        ({"models": []}, "models must be a non-empty list of model slot numbers."),
        ({"models": 1}, "models must be a non-empty list of model slot numbers."),
        ({"models": ["1"]}, "models must hold whole slot numbers."),
        ({"models": [True]}, "models must hold whole slot numbers."),
        ({"models": [4]}, "There is no model in slot 4; the configured slots are 1, 2, 3."),
        ({"models": [0]}, "There is no model in slot 0; the configured slots are 1, 2, 3."),
        ({"models": [2, 2]}, "Slot 2 is listed twice in models."),
    ],
)
def test_bad_shape_seed_or_models_is_a_400_sentence(s3, generate, dispatched, body, sentence):
    status, answer, _ = generate({"prompt": "a fox", **body})
    assert status == 400
    assert answer["error"] == sentence
    assert dispatched == []  # nothing started, nothing written


def test_null_values_mean_the_defaults(s3, generate):
    status, body, _ = generate(
        {"prompt": "a fox", "aspectRatio": None, "seed": None, "models": None}
    )
    assert status == 202 and body["totalModels"] == 3


def test_status_carries_url_as_an_alias_of_image_url(s3, generate, run_worker, get_status):
    _status, body, payload = generate({"prompt": "a fox"})
    run_worker(payload)
    _, job = get_status(body["jobId"])
    for r in job["results"]:
        assert r["url"] == r["imageUrl"] and r["url"].startswith("https://")


@pytest.mark.parametrize("aspect", shapes.ASPECT_RATIOS)
@pytest.mark.parametrize(
    "provider_model",
    [
        ("openai", "gpt-image-2"),
        ("openai", "dall-e-3"),
        ("openai", "gpt-image-1.5"),
        ("bfl", "flux-pro-1.1"),
        ("bfl", "flux-2-pro"),
        ("bfl", "flux-kontext-pro"),
        ("stability", "core"),
        ("recraft", "recraftv4_1"),
        ("google", "gemini-3.1-flash-image"),
        ("bedrock", "amazon.nova-canvas-v1:0"),
        ("bedrock", "stability.sd3-5-large-v1:0"),
    ],
)
def test_every_mapped_size_keeps_to_the_providers_documented_limits(provider_model, aspect):
    provider, model_id = provider_model
    fields = shapes.shape(provider, model_id, aspect, 7).fields
    if provider == "openai" and model_id.startswith("gpt-image-2"):
        width, height = (int(n) for n in fields["size"].split("x"))
        assert width % 16 == 0 and height % 16 == 0 and 1 / 3 <= width / height <= 3
        assert width * height <= 3840 * 2160
    elif provider == "openai":
        allowed = shapes.OPENAI_SIZES if model_id.startswith("gpt-image") else shapes.DALLE_SIZES
        assert fields["size"] in set(allowed.values())
    elif provider == "bfl" and "width" in fields:
        step = 16 if model_id.startswith("flux-2") else 32
        for side in (fields["width"], fields["height"]):
            assert side % step == 0 and 256 <= side <= 1440
    elif provider == "stability" or model_id.startswith("stability."):
        stability_ratios = {"16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"}
        assert fields["aspect_ratio"] in stability_ratios
    elif provider == "bedrock":
        assert 320 <= fields["width"] <= 4096 and 320 <= fields["height"] <= 4096
        assert fields["width"] % 16 == 0 and fields["height"] % 16 == 0
    elif provider == "google":
        assert fields["imageConfig"]["aspectRatio"] == aspect


def test_models_lists_slots_and_what_each_would_be_sent(s3, set_env, event, call):
    set_env(**model_env(["fake/stability:core", "fake/openai:gpt-image-2", "nobody/serves-this"]))
    ev = event("httpApiV2_galleryList.json", path="/models")
    status, body, _ = call(ev)
    assert status == 200
    stability, openai, unknown = body["models"]
    assert (stability["index"], stability["identity"]) == (1, "stability/core")
    assert stability["shapes"]["4:3"] == {
        "sent": {"aspectRatio": "5:4", "seed": None},
        "notes": ["Stability AI has no 4:3 size; sent 5:4, its nearest"],
    }
    assert stability["takesSeed"] is True and openai["takesSeed"] is False
    assert openai["shapes"]["9:16"]["sent"] == {"size": "864x1536", "seed": None}
    assert unknown["identity"] is None and "shapes" not in unknown
    assert body["aspectRatios"] == ["1:1", "4:3", "3:4", "16:9", "9:16"]
