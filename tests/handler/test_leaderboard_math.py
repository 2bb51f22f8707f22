"""Bradley-Terry against cases whose answer is known by hand."""

from __future__ import annotations

import math

import pytest
from pixelprompt import leaderboard


def _ratings(pairs, prior=0.0):
    return {m: leaderboard.rating(p) for m, p in leaderboard.fit(pairs, prior=prior).items()}


def test_two_models_three_wins_to_one_differ_by_400_log10_3():
    # P(A beats B) = 3/4 = pA / (pA + pB)  =>  pA / pB = 3
    r = _ratings([("A", "B")] * 3 + [("B", "A")])
    assert r["A"] - r["B"] == pytest.approx(400 * math.log10(3), abs=1e-6)
    assert (r["A"] + r["B"]) / 2 == pytest.approx(1000, abs=1e-6)  # geometric mean at 1000


def test_three_models_whose_counts_fit_strengths_4_2_1_exactly():
    # With p = (4, 2, 1): A-B 4:2, A-C 4:1, B-C 2:1 are the expected win counts, so the
    # likelihood equations W_i = sum_j n_ij p_i / (p_i + p_j) hold exactly at p (by hand:
    # A: 8 = 6*4/6 + 5*4/5; B: 4 = 6*2/6 + 3*2/3; C: 2 = 5*1/5 + 3*1/3).
    pairs = (
        [("A", "B")] * 4 + [("B", "A")] * 2
        + [("A", "C")] * 4 + [("C", "A")]
        + [("B", "C")] * 2 + [("C", "B")]
    )  # fmt: skip
    r = _ratings(pairs)
    assert r["A"] - r["C"] == pytest.approx(400 * math.log10(4), abs=1e-6)
    assert r["B"] - r["C"] == pytest.approx(400 * math.log10(2), abs=1e-6)
    assert r["B"] == pytest.approx(1000, abs=1e-6)  # B is the geometric mean of 4, 2, 1


def test_the_prior_keeps_an_unbeaten_model_finite_and_ahead():
    r = _ratings([("A", "B")] * 5, prior=leaderboard.PRIOR_GAMES)
    assert math.isfinite(r["A"]) and math.isfinite(r["B"]) and r["A"] > r["B"]


def test_a_ranking_expands_into_pairwise_wins_over_ranked_and_unranked():
    vote = {
        "ranking": [3, 1],
        "candidates": [{"index": i, "identity": f"m{i}"} for i in (1, 2, 3, 4)],
    }
    assert sorted(leaderboard.vote_pairs(vote)) == sorted(
        [("m3", "m1"), ("m3", "m2"), ("m3", "m4"), ("m1", "m2"), ("m1", "m4")]
    )


def test_the_interval_is_the_same_for_the_same_votes_and_contains_the_rating():
    votes = [
        {
            "ranking": [1 + n % 2],
            "candidates": [{"index": i, "identity": f"m{i}"} for i in (1, 2, 3)],
        }
        for n in range(12)
    ]
    first, second = leaderboard.table(votes), leaderboard.table(votes)
    assert first == second
    for row in first:
        assert row["ci95"][0] <= row["rating"] <= row["ci95"][1]
    assert first[-1]["model"] == "m3" and first[-1]["wins"] == 0


def test_cost_is_read_from_usd_or_a_number_and_never_invented():
    assert leaderboard.cost_usd({"cost": {"usd": 0.04, "measured": True}}) == 0.04
    assert leaderboard.cost_usd({"cost": 0.02}) == 0.02
    assert leaderboard.cost_usd({"cost": None}) is None
    assert leaderboard.cost_usd({}) is None
    assert leaderboard.cost_usd({"cost": {"usd": True}}) is None
