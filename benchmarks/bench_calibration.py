"""Agreement statistics over 1,000 sessions of 10 evaluators and 30 questions (target: < 2 s).

Run by hand: ``python benchmarks/bench_calibration.py [--sessions N] [--interactions N]``.
Each session: 5 interactions (by default), 10 human evaluators (one the expert), 30 questions
with 3 answer options. Timed: per-interaction spread and tiers, per-question percent agreement
and nominal alpha, session ICC(1,1)/(2,1)/(2,k)/(3,1) with 95 % CIs and interval alpha; then
the cross-session alpha over every interaction. Data generation is not timed; laying rating
objects out as arrays (what the database read feeds) is timed and printed separately.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.calibration import rules
from service.reliability import stats
from service.reliability.ratings import Answer, Rating


def make_sessions(n_sessions: int, n_units: int, n_raters: int, n_questions: int, seed: int):
    """Synthetic sessions: a true quality per interaction, a bias per rater, noisy answers."""
    rng = np.random.default_rng(seed)
    questions = [f"q{q}" for q in range(n_questions)]
    sessions = []
    for s in range(n_sessions):
        units = [f"s{s}-i{u}" for u in range(n_units)]
        truth = rng.uniform(55, 95, n_units)
        bias = rng.normal(0, 4, n_raters)
        ratings = []
        for u, unit in enumerate(units):
            for e in range(n_raters):
                answers = {
                    q: Answer(str(a), float(a), 2.0)
                    for q, a in zip(questions, rng.integers(0, 3, n_questions), strict=True)
                }
                total = float(np.clip(truth[u] + bias[e] + rng.normal(0, 5), 0, 100))
                ratings.append(Rating(unit, f"e{e}", total, answers))
        sessions.append((units, ratings))
    return questions, sessions


def main() -> None:
    """Generate, time, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--interactions", type=int, default=5)
    parser.add_argument("--evaluators", type=int, default=10)
    parser.add_argument("--questions", type=int, default=30)
    args = parser.parse_args()
    questions, sessions = make_sessions(
        args.sessions, args.interactions, args.evaluators, args.questions, seed=1
    )
    started = time.perf_counter()
    laid_out = []
    for units, ratings in sessions:
        raters = sorted({r.evaluator_id for r in ratings})
        table = rules.units_by_raters(ratings, units, raters)
        laid_out.append(
            (units, raters, table, rules.answer_arrays(ratings, units, raters, questions))
        )
    layout = time.perf_counter() - started
    started = time.perf_counter()
    reports = [
        rules.statistics_from_arrays(table, answers, units, raters, "e0")
        for units, raters, table, answers in laid_out
    ]
    per_session = time.perf_counter() - started
    started = time.perf_counter()
    all_ratings = [r for _units, ratings in sessions for r in ratings]
    all_units = [u for units, _ratings in sessions for u in units]
    raters = sorted({r.evaluator_id for r in all_ratings})
    pooled = rules.units_by_raters(all_ratings, all_units, raters)
    across = rules.reliability(pooled)
    cross = time.perf_counter() - started
    total = per_session + cross
    icc21 = [r["reliability"]["icc_2_1"] for r in reports]
    print(
        f"sessions={args.sessions} interactions/session={args.interactions} "
        f"evaluators={args.evaluators} questions={args.questions}"
    )
    print(
        f"per-session statistics: {per_session:.3f} s "
        f"({1000 * per_session / len(sessions):.3f} ms/session)"
    )
    print(f"across sessions ({pooled.shape[0]} x {pooled.shape[1]}): {cross:.3f} s")
    print(f"statistics total: {total:.3f} s  {'OK' if total < 2.0 else 'OVER'} (target < 2 s)")
    print(
        f"(not in the target) laying {len(sessions)} sessions of objects out as arrays: "
        f"{layout:.3f} s; end to end {layout + total:.3f} s"
    )
    print(
        f"median session ICC(2,1) = {np.median(icc21):.3f}; across-session alpha = "
        f"{across['krippendorff_alpha']}; F cache {stats.f_ppf.cache_info().hits} hits"
    )


if __name__ == "__main__":
    main()
