"""The owner's leaderboard: a Bradley-Terry fit over their blind votes. Pure; no I/O.

A vote ranks the top few images of one job (a "best" pick is a ranking of one). It expands into
pairwise wins: each ranked image beats every image ranked below it and every unranked image of
that job. Bradley-Terry gives each model a strength p so that P(i beats j) = p_i / (p_i + p_j).
We find the maximum-likelihood strengths by Newton-Raphson on log-strengths. (Hunter's MM
iteration p_i <- W_i / sum_j n_ij / (p_i + p_j) reaches the same maximum, but converges
linearly: with a few never-winning models it needed thousands of steps and was still half a
rating point off; Newton takes under ten, which matters for a 100-round bootstrap per request.)

Regularisation: every model also plays PRIOR_GAMES virtual games against a fixed reference of
strength 1, winning half. Without it a model that never lost (or never won) has no finite
maximum-likelihood strength, and a comparison graph in two pieces has no common scale.

Ratings are shown on the Elo-like scale arenas use: 1000 + 400 * log10(p), with the geometric
mean of all strengths at 1 (so the average model is 1000). The 95% interval is a percentile
bootstrap: the votes are resampled with replacement BOOTSTRAP_ROUNDS times with a fixed seed
(so the same votes always give the same interval) and refitted.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

PRIOR_GAMES = 2.0  # virtual games per model against the reference, half of them won
BOOTSTRAP_ROUNDS = 100
BOOTSTRAP_SEED = 20261201
MAX_ITERATIONS = 100
TOLERANCE = 1e-9  # on log-strength
SCALE = 400.0
BASE_RATING = 1000.0

Pair = tuple[str, str]  # (winner, loser) model identities
Vote = dict[str, Any]


def vote_pairs(vote: Vote) -> list[Pair]:
    """The pairwise wins one vote stands for (identities of its candidates)."""
    identity = {c["index"]: c["identity"] for c in vote["candidates"]}
    ranked = [identity[i] for i in vote["ranking"]]
    unranked = [c["identity"] for c in vote["candidates"] if c["index"] not in vote["ranking"]]
    out: list[Pair] = []
    for place, winner in enumerate(ranked):
        out.extend((winner, loser) for loser in ranked[place + 1 :] + unranked if loser != winner)
    return out


def fit(pairs: Iterable[Pair], *, prior: float = PRIOR_GAMES) -> dict[str, float]:
    """Bradley-Terry strengths (maximum likelihood), normalised to a geometric mean of 1."""
    return fit_counts(Counter(pairs), prior=prior)


def fit_counts(counts: Mapping[Pair, float], *, prior: float = PRIOR_GAMES) -> dict[str, float]:
    """The same fit from (winner, loser) -> how many times."""
    wins: dict[str, float] = defaultdict(float)
    games: dict[tuple[str, str], float] = defaultdict(float)
    for (winner, loser), n in counts.items():
        wins[winner] += n
        wins.setdefault(loser, 0.0)
        games[min(winner, loser), max(winner, loser)] += n
    models = sorted(wins)
    if not models:
        return {}
    theta = {m: 0.0 for m in models}
    for _ in range(MAX_ITERATIONS):
        step = _newton_step(models, theta, wins, games, prior)
        theta = {m: theta[m] + step[m] for m in models}
        if max(abs(v) for v in step.values()) < TOLERANCE:
            break
    return _normalised({m: math.exp(theta[m]) for m in models})


def _newton_step(
    models: list[str],
    theta: dict[str, float],
    wins: dict[str, float],
    games: dict[tuple[str, str], float],
    prior: float,
) -> dict[str, float]:
    """One Newton-Raphson step on log-strengths: solve (-H) step = gradient.

    With no prior the likelihood does not change when every strength is scaled, so the first
    model's log-strength is pinned at 0 (the result is normalised afterwards anyway).
    """
    index = {m: k for k, m in enumerate(models)}
    size = len(models)
    grad = [wins[m] + prior / 2 for m in models]
    info = [[0.0] * size for _ in range(size)]  # minus the Hessian
    for (a, b), n in games.items():
        i, j = index[a], index[b]
        p_ij = 1.0 / (1.0 + math.exp(theta[b] - theta[a]))
        grad[i] -= n * p_ij
        grad[j] -= n * (1 - p_ij)
        w = n * p_ij * (1 - p_ij)
        info[i][i] += w
        info[j][j] += w
        info[i][j] -= w
        info[j][i] -= w
    for m in models:
        i = index[m]
        p_i0 = 1.0 / (1.0 + math.exp(-theta[m]))  # against the reference of strength 1
        grad[i] -= prior * p_i0
        info[i][i] += prior * p_i0 * (1 - p_i0)
    free = list(range(size)) if prior > 0 else list(range(1, size))
    solved = _solve([[info[i][j] for j in free] for i in free], [grad[i] for i in free])
    step = {m: 0.0 for m in models}
    for k, i in enumerate(free):
        step[models[i]] = max(-5.0, min(5.0, solved[k]))  # damped: no overflow far from the optimum
    return step


def _solve(matrix: list[list[float]], rhs: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the matrices are at most a few dozen wide)."""
    n = len(rhs)
    a = [[*row[:], rhs[k]] for k, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < 1e-300:
            continue  # a model with no games: its step stays 0
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, n):
            factor = a[r][col] / a[col][col]
            for c in range(col, n + 1):
                a[r][c] -= factor * a[col][c]
    out = [0.0] * n
    for r in range(n - 1, -1, -1):
        if abs(a[r][r]) < 1e-300:
            continue
        out[r] = (a[r][n] - sum(a[r][c] * out[c] for c in range(r + 1, n))) / a[r][r]
    return out


def _normalised(p: dict[str, float]) -> dict[str, float]:
    mean_log = sum(math.log(v) for v in p.values()) / len(p)
    return {m: math.exp(math.log(v) - mean_log) for m, v in p.items()}


def rating(strength: float) -> float:
    return BASE_RATING + SCALE * math.log10(strength)


def bootstrap(
    votes: list[Vote], fitted: dict[str, float], rounds: int = BOOTSTRAP_ROUNDS
) -> dict[str, tuple[float, float]]:
    """95% percentile interval of each model's rating over resampled votes.

    Votes that stand for the same pairwise wins (same models, same ranking) are one pattern, so
    a resample is a count per pattern and its fit costs the patterns, not the votes.
    """
    rng = random.Random(BOOTSTRAP_SEED)
    ids: dict[tuple[Pair, ...], int] = {}
    of_vote = [ids.setdefault(tuple(sorted(vote_pairs(v))), len(ids)) for v in votes]
    patterns = sorted(ids, key=ids.__getitem__)
    samples: dict[str, list[float]] = defaultdict(list)
    for _ in range(rounds if len(votes) > 1 else 0):
        drawn = Counter(of_vote[rng.randrange(len(of_vote))] for _ in of_vote)
        counts: Counter[Pair] = Counter()
        for pattern, times in drawn.items():
            for pair in patterns[pattern]:
                counts[pair] += times
        for model, value in fit_counts(counts).items():
            samples[model].append(rating(value))
    out = {}
    for model in fitted:
        values = sorted(samples.get(model, []))
        if len(values) < 2:
            out[model] = (-math.inf, math.inf)
        else:
            out[model] = (_percentile(values, 0.025), _percentile(values, 0.975))
    return out


def _percentile(sorted_values: list[float], q: float) -> float:
    position = q * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 4) if values else None


def cost_usd(candidate: dict[str, Any]) -> float | None:
    """A result's cost in dollars: `cost` as {"usd": x} or a bare number; None when unknown."""
    cost = candidate.get("cost")
    value = cost.get("usd") if isinstance(cost, dict) else cost
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def table(votes: list[Vote], rounds: int = BOOTSTRAP_ROUNDS) -> list[dict[str, Any]]:
    """One row per model identity, best rating first."""
    strengths = fit(pair for v in votes for pair in vote_pairs(v))
    intervals = bootstrap(votes, strengths, rounds)
    stats: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"votes": 0, "wins": 0, "pairWins": 0, "pairLosses": 0, "durations": [],
                 "costs": [], "names": []}
    )  # fmt: skip
    for vote in votes:
        first = vote["ranking"][0]
        for c in vote["candidates"]:
            s = stats[c["identity"]]
            s["votes"] += 1
            s["wins"] += 1 if c["index"] == first else 0
            s["names"].append(c.get("model"))
            if isinstance(c.get("duration"), int | float):
                s["durations"].append(float(c["duration"]))
            if cost_usd(c) is not None:
                s["costs"].append(cost_usd(c))
        for winner, loser in vote_pairs(vote):
            stats[winner]["pairWins"] += 1
            stats[loser]["pairLosses"] += 1
    rows = []
    for identity, strength in strengths.items():
        s = stats[identity]
        low, high = intervals[identity]
        rows.append(
            {
                "model": identity,
                "name": s["names"][-1] if s["names"] else identity,
                "rating": round(rating(strength), 1),
                "ci95": [_finite(low), _finite(high)],
                "votes": s["votes"],
                "wins": s["wins"],
                "pairwiseWins": s["pairWins"],
                "pairwiseLosses": s["pairLosses"],
                "medianLatencySeconds": _median(s["durations"]),
                "medianCostUsd": _median(s["costs"]),
            }
        )
    rows.sort(key=lambda r: (-r["rating"], r["model"]))
    for place, row in enumerate(rows, start=1):
        row["rank"] = place
    return rows


def _finite(value: float) -> float | None:
    return round(value, 1) if math.isfinite(value) else None
