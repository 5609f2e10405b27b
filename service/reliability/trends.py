"""Calibration over time, as pure functions: evaluator bias, calibrator drift, recurring criteria,
and the AI scorer's agreement. Inputs are plain rows built by the service from revealed sessions.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from service.reliability import stats
from service.reliability.ratings import KIND_HUMAN, Rating, by_interaction, r4

AI_WINDOW = 25


def mean_ci(values: Sequence[float], confidence: float = 0.95) -> dict[str, Any]:
    """Mean with a Student-t confidence interval; the interval is None below two values."""
    n = len(values)
    if n == 0:
        return {"n": 0, "mean": None, "ci_low": None, "ci_high": None}
    arr = np.asarray(values, dtype=float)
    mean = float(arr.mean())
    if n < 2:
        return {"n": 1, "mean": r4(mean), "ci_low": None, "ci_high": None}
    half = stats.t_ppf(0.5 + confidence / 2.0, n - 1) * float(arr.std(ddof=1)) / math.sqrt(n)
    return {"n": n, "mean": r4(mean), "ci_low": r4(mean - half), "ci_high": r4(mean + half)}


# --- evaluator bias ---


@dataclass(frozen=True)
class Deviation:
    """One evaluator's signed gap on one interaction, to the consensus and to the expert."""

    evaluator_id: str
    month: str
    from_consensus: float | None
    from_expert: float | None


def session_deviations(ratings: Sequence[Rating], expert_id: str, month: str) -> list[Deviation]:
    """Signed gaps of every rating: consensus is the mean of the *other* human panelists."""
    out = []
    for unit in by_interaction(ratings).values():
        expert = next((r.total for r in unit if r.evaluator_id == expert_id), None)
        for r in unit:
            others = [o.total for o in unit if o.kind == KIND_HUMAN and o is not r]
            consensus = r.total - sum(others) / len(others) if others else None
            vs_expert = (
                r.total - expert if expert is not None and r.evaluator_id != expert_id else None
            )
            out.append(Deviation(r.evaluator_id, month, consensus, vs_expert))
    return out


def bias_direction(ci: Mapping[str, Any], min_points: float) -> str:
    """``lenient`` / ``harsh`` when the CI excludes 0 and the mean reaches ``min_points``."""
    if ci["ci_low"] is None:
        return "insufficient_data"
    if ci["ci_low"] > 0 and ci["mean"] >= min_points:
        return "lenient"
    if ci["ci_high"] < 0 and ci["mean"] <= -min_points:
        return "harsh"
    return "no_clear_bias"


def _present(values: Iterable[float | None]) -> list[float]:
    return [v for v in values if v is not None]


def evaluator_bias(devs: Sequence[Deviation], min_points: float = 3.0) -> list[dict[str, Any]]:
    """Per evaluator: mean signed deviation from consensus and expert, with CIs and a verdict."""
    grouped: dict[str, list[Deviation]] = defaultdict(list)
    for d in devs:
        grouped[d.evaluator_id].append(d)
    out = []
    for evaluator, rows in sorted(grouped.items()):
        consensus = mean_ci(_present(d.from_consensus for d in rows))
        expert = mean_ci(_present(d.from_expert for d in rows))
        months: dict[str, list[Deviation]] = defaultdict(list)
        for d in rows:
            months[d.month].append(d)
        out.append(
            {
                "evaluator_id": evaluator,
                "from_consensus": consensus,
                "from_expert": expert,
                "direction": bias_direction(consensus, min_points),
                "months": [
                    {
                        "month": m,
                        "from_consensus": mean_ci(_present(d.from_consensus for d in ms))["mean"],
                        "from_expert": mean_ci(_present(d.from_expert for d in ms))["mean"],
                        "n": len(ms),
                    }
                    for m, ms in sorted(months.items())
                ],
            }
        )
    return out


# --- calibrator drift ---


@dataclass(frozen=True)
class ExpertGap:
    """The expert evaluator's score minus the mean of the other human evaluators on one
    interaction (docs/glossary.md: the report calls the expert "calibrator")."""

    expert_id: str
    month: str
    gap: float


def expert_gaps(ratings: Sequence[Rating], expert_id: str, month: str) -> list[ExpertGap]:
    """One gap per interaction the expert and at least one other human scored."""
    out = []
    for unit in by_interaction(ratings).values():
        expert = next((r.total for r in unit if r.evaluator_id == expert_id), None)
        team = [r.total for r in unit if r.kind == KIND_HUMAN and r.evaluator_id != expert_id]
        if expert is not None and team:
            out.append(ExpertGap(expert_id, month, expert - sum(team) / len(team)))
    return out


def _longest_run(months: Sequence[str]) -> int:
    """Longest run of consecutive calendar months (``YYYY-MM``) in a sorted list."""
    best = run = 0
    previous = None
    for m in months:
        index = int(m[:4]) * 12 + int(m[5:7])
        run = run + 1 if previous is not None and index == previous + 1 else 1
        best, previous = max(best, run), index
    return best


def calibrator_drift(gaps: Sequence[ExpertGap], max_gap: float) -> list[dict[str, Any]]:
    """Per calibrator and month: mean gap to the team, flagged when its size exceeds ``max_gap``."""
    grouped: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for g in gaps:
        grouped[g.expert_id][g.month].append(g.gap)
    out = []
    for expert, months in sorted(grouped.items()):
        history = []
        for month, values in sorted(months.items()):
            ci = mean_ci(values)
            flagged = ci["mean"] is not None and abs(ci["mean"]) > max_gap
            history.append({"month": month, **ci, "flagged": flagged})
        flagged_months = [h["month"] for h in history if h["flagged"]]
        overall = mean_ci([g for values in months.values() for g in values])
        out.append(
            {
                "calibrator_id": expert,  # API name (docs/glossary.md)
                "overall": overall,
                "flagged": bool(flagged_months),
                "flagged_months": flagged_months,
                "longest_flagged_run": _longest_run(flagged_months),
                "history": history,
            }
        )
    return out


# --- criteria with high variance month after month ---


def criterion_flagged(month_stats: Mapping[str, Any], range_limit: float) -> bool:
    """High variance: mean points range over ``range_limit`` or alpha below .667."""
    spread, alpha = month_stats.get("mean_range"), month_stats.get("krippendorff_alpha")
    return (spread is not None and spread > range_limit) or (alpha is not None and alpha < 0.667)


def recurring_criteria(
    monthly: Mapping[str, Sequence[Mapping[str, Any]]], range_limit: float, min_months: int
) -> list[dict[str, Any]]:
    """Questions flagged in at least ``min_months`` consecutive months, with their history.

    ``monthly`` maps ``YYYY-MM`` to that month's per-question agreement rows.
    """
    history: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for month in sorted(monthly):
        for row in monthly[month]:
            flagged = criterion_flagged(row, range_limit)
            history[row["question_id"]].append({"month": month, **row, "flagged": flagged})
    out = []
    for question, rows in history.items():
        flagged_months = [r["month"] for r in rows if r["flagged"]]
        run = _longest_run(flagged_months)
        if run >= min_months:
            out.append(
                {
                    "question_id": question,
                    "flagged_months": flagged_months,
                    "longest_run": run,
                    "history": rows,
                }
            )
    return sorted(
        out, key=lambda q: (-q["longest_run"], -len(q["flagged_months"]), q["question_id"])
    )


def history_of(
    monthly: Mapping[str, Sequence[Mapping[str, Any]]], question_id: str, range_limit: float
) -> list[dict[str, Any]]:
    """One criterion's monthly rows even when never flagged (empty when never calibrated)."""
    rows = [
        {"month": m, **row, "flagged": criterion_flagged(row, range_limit)}
        for m in sorted(monthly)
        for row in monthly[m]
        if row["question_id"] == question_id
    ]
    if not rows:
        return []
    return [{"question_id": question_id, "flagged_months": [], "longest_run": 0, "history": rows}]


# --- the AI scorer ---


def majority(answers: Sequence[str]) -> str | None:
    """The strict plurality answer, or None on a tie or no answers."""
    counts = Counter(answers).most_common(2)
    if not counts or (len(counts) == 2 and counts[0][1] == counts[1][1]):
        return None
    return counts[0][0]


@dataclass(frozen=True)
class AiItem:
    """The AI's answer to one question of one calibrated interaction, with the references."""

    question_id: str
    interaction_id: str
    at: str  # sortable timestamp of the session's reveal
    ai_answer: str
    expert_answer: str | None
    human_majority: str | None


def _rate(pairs: Sequence[tuple[str, str | None]]) -> dict[str, Any]:
    judged = [(a, b) for a, b in pairs if b is not None]
    agree = sum(1 for a, b in judged if a == b)
    return {"n": len(judged), "agreement": r4(agree / len(judged)) if judged else None}


def ai_agreement(items: Sequence[AiItem], window: int = AI_WINDOW) -> list[dict[str, Any]]:
    """Per question, agreement with the expert and the human majority over the latest ``window``."""
    grouped: dict[str, list[AiItem]] = defaultdict(list)
    for item in items:
        grouped[item.question_id].append(item)
    out = []
    for question, rows in sorted(grouped.items()):
        latest = sorted(rows, key=lambda i: (i.at, i.interaction_id), reverse=True)[:window]
        out.append(
            {
                "question_id": question,
                "window": len(latest),
                "with_expert": _rate([(i.ai_answer, i.expert_answer) for i in latest]),
                "with_majority": _rate([(i.ai_answer, i.human_majority) for i in latest]),
            }
        )
    return out
