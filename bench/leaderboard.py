"""How long GET /leaderboard's arithmetic takes: the Bradley-Terry fit and its 100-round
bootstrap, over synthetic votes on 9 models, against the same bootstrap done vote by vote.

`python -m bench.leaderboard` prints the rows; `python -m bench` puts them in the shared table.
S3 reads (one GET per vote, 16 in parallel) are not in these figures.
"""

from __future__ import annotations

import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODELS = 9
VOTE_COUNTS = (500, 5000)  # 5000: the most one request reads (votes.MAX_VOTES_READ)


def _votes(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Best picks and top-two rankings, as a person voting in blind mode makes them."""
    rng = random.Random(seed)
    candidates = [{"index": i, "identity": f"p/m{i}", "model": f"m{i}"} for i in range(1, 10)]
    out = []
    for k in range(n):
        ranking = rng.sample(range(1, MODELS + 1), 1 if k % 3 else 2)
        out.append({"ranking": ranking, "candidates": candidates})
    return out


def _vote_by_vote(leaderboard: Any, votes: list[dict[str, Any]]) -> None:
    """The bootstrap as first written: each resample refits from every drawn vote's pairs."""
    rng = random.Random(leaderboard.BOOTSTRAP_SEED)
    per_vote = [leaderboard.vote_pairs(v) for v in votes]
    samples: dict[str, list[float]] = defaultdict(list)
    for _ in range(leaderboard.BOOTSTRAP_ROUNDS):
        drawn = [per_vote[rng.randrange(len(per_vote))] for _ in per_vote]
        for model, value in leaderboard.fit(p for pairs in drawn for p in pairs).items():
            samples[model].append(value)


def _seconds(call: Any) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def run() -> list[tuple[str, str]]:
    sys.path.insert(0, str(ROOT / "handler"))
    from pixelprompt import leaderboard

    leaderboard.table(_votes(50))  # warm: first calls pay for imports and caches
    rows = []
    for n in VOTE_COUNTS:
        votes = _votes(n)
        table = _seconds(lambda v=votes: leaderboard.table(v))
        naive = _seconds(lambda v=votes: _vote_by_vote(leaderboard, v))
        rows.append((f"{n} votes: fit + bootstrap (patterns)", f"{table:.2f} s"))
        rows.append((f"{n} votes: bootstrap vote by vote / by pattern", f"{naive / table:.1f}x"))
    return rows


if __name__ == "__main__":
    for what, figure in run():
        print(f"{what}: {figure}")
