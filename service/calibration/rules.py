"""Calibration decisions as pure functions: tiers, per-interaction spread, per-question agreement.

Scores are percentages (0-100). The seed's thresholds are defaults: a range up to 5 points is
``aligned``, over 5 up to 15 ``discuss``, over 15 ``full_session`` (and raises the variance flag).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from service.reliability import stats
from service.reliability.ratings import KIND_HUMAN, REPORTED_FORMS, Rating, r4

ALIGNED_MAX = 5.0
VARIANCE_FLAG_OVER = 15.0


def tier(
    spread: float, aligned_max: float = ALIGNED_MAX, full_over: float = VARIANCE_FLAG_OVER
) -> str:
    """Discussion tier of a score range: ``aligned``, ``discuss`` or ``full_session``."""
    if spread <= aligned_max:
        return "aligned"
    if spread <= full_over:
        return "discuss"
    return "full_session"


def variance_flag(spread: float, over: float = VARIANCE_FLAG_OVER) -> bool:
    """True when the range is strictly over the limit (the seed's ``range > 15``)."""
    return spread > over


def spread_summary(scores: Sequence[float]) -> dict[str, Any]:
    """Count, mean, sample standard deviation (None below 2 scores), min, max and range."""
    if not scores:
        return {"count": 0, "mean": None, "std_dev": None, "min": None, "max": None, "range": None}
    arr = np.asarray(scores, dtype=float)
    sd = float(arr.std(ddof=1)) if arr.size >= 2 else None
    return {
        "count": int(arr.size),
        "mean": r4(arr.mean()),
        "std_dev": r4(sd),
        "min": r4(arr.min()),
        "max": r4(arr.max()),
        "range": r4(arr.max() - arr.min()),
    }


def units_by_raters(
    ratings: Iterable[Rating], units: Sequence[str], raters: Sequence[str]
) -> np.ndarray:
    """The units x raters matrix of total scores, NaN where a rater did not score a unit."""
    row = {u: i for i, u in enumerate(units)}
    col = {e: j for j, e in enumerate(raters)}
    table = np.full((len(units), len(raters)), np.nan)
    for r in ratings:
        if r.interaction_id in row and r.evaluator_id in col:
            table[row[r.interaction_id], col[r.evaluator_id]] = r.total
    return table


def reliability(table: np.ndarray) -> dict[str, Any]:
    """ICC forms with CIs and bands, plus interval Krippendorff's alpha, of a score matrix."""
    report = stats.icc(table)
    out: dict[str, Any] = {
        "units": int(table.shape[0]),
        "raters": int(table.shape[1]) if table.ndim == 2 else 0,
        "icc_units_used": report.units_used,
        "icc_raters_used": report.raters_used,
    }
    for key in REPORTED_FORMS:
        form = report.forms[key]
        out[key] = r4(form.value)
        out[f"{key}_ci_low"] = r4(form.ci_low)
        out[f"{key}_ci_high"] = r4(form.ci_high)
        out[f"{key}_band"] = stats.icc_band(form.value)
    alpha = stats.krippendorff_alpha(table, "interval") if table.size else None
    out["krippendorff_alpha"] = r4(alpha)
    out["krippendorff_alpha_band"] = stats.alpha_band(alpha)
    notes = report.notes(REPORTED_FORMS) + ([] if alpha is not None else [stats.alpha_note(table)])
    out["note"] = "; ".join(notes)
    return out


ICC_FIELDS = tuple(
    f"{key}{suffix}" for key in REPORTED_FORMS for suffix in ("", "_ci_low", "_ci_high", "_band")
)


def pooled_reliability(table: np.ndarray, raters: Sequence[str]) -> dict[str, Any]:
    """Reliability pooled over sessions whose panels differ (units x raters, NaN = not scored).

    Krippendorff's alpha uses every rating. ICC needs a complete table, so it is computed on
    the largest complete sub-panel (``stats.largest_complete_subpanel``); ``icc_units_used``,
    ``icc_raters_used`` and ``icc_raters`` say which, and ``note`` says so in words. It is never
    silently null: when no sub-panel of 2 raters shares 2 calls, the note says that.
    """
    out = reliability(table)
    cols = stats.largest_complete_subpanel(table)
    sub = reliability(table[:, cols]) if len(cols) >= 2 else reliability(table[:, :0])
    for key in ICC_FIELDS:
        out[key] = sub[key]
    out["icc_units_used"], out["icc_raters_used"] = sub["icc_units_used"], sub["icc_raters_used"]
    out["icc_raters"] = [raters[j] for j in cols]
    with_ratings = int((~np.isnan(table)).any(axis=0).sum()) if table.size else 0
    used = (
        f"ICC on the largest complete sub-panel: {sub['icc_units_used']} calls x "
        f"{sub['icc_raters_used']} raters (of {table.shape[0]} calls, {with_ratings} raters "
        "with ratings)"
    )
    alpha_note = [] if out["krippendorff_alpha"] is not None else [stats.alpha_note(table)]
    out["note"] = "; ".join([used, *([sub["note"]] if sub["note"] else []), *alpha_note])
    return out


@dataclass(frozen=True)
class AnswerArrays:
    """Answers as arrays (questions x units x raters): option codes (-1 missing) and percents."""

    questions: list[str]
    codes: np.ndarray
    percents: np.ndarray
    n_options: int


def answer_arrays(
    ratings: Iterable[Rating], units: Sequence[str], raters: Sequence[str], questions: Sequence[str]
) -> AnswerArrays:
    """Lay answers out as arrays; unknown units, raters or questions are skipped."""
    unit_ix = {u: i for i, u in enumerate(units)}
    rater_ix = {e: j for j, e in enumerate(raters)}
    q_ix = {q: i for i, q in enumerate(questions)}
    option_ix: dict[str, int] = {}
    cells: list[tuple[int, int, int]] = []
    codes_flat: list[int] = []
    percents_flat: list[float] = []
    for r in ratings:
        i, j = unit_ix.get(r.interaction_id), rater_ix.get(r.evaluator_id)
        if i is None or j is None:
            continue
        for qid, ans in r.answers.items():
            q = q_ix.get(qid)
            if q is not None:
                cells.append((q, i, j))
                codes_flat.append(option_ix.setdefault(ans.answer, len(option_ix)))
                pct = ans.percent
                percents_flat.append(math.nan if pct is None else pct)
    shape = (len(questions), len(units), len(raters))
    codes = np.full(shape, -1, dtype=np.int64)
    percents = np.full(shape, np.nan)
    if cells:
        index = tuple(np.asarray(cells).T)
        codes[index] = codes_flat
        percents[index] = percents_flat
    return AnswerArrays(list(questions), codes, percents, max(len(option_ix), 1))


def r4_list(values: np.ndarray) -> list[float | None]:
    """Round an array for reports in one go; NaN and infinities become None."""
    rounded = np.round(np.asarray(values, dtype=float), 4)
    return [v if math.isfinite(v) else None for v in rounded.tolist()]


def question_agreement(arrays: AnswerArrays) -> list[dict[str, Any]]:
    """Per question: percent agreement and nominal alpha on answers, and the mean points range."""
    if not arrays.questions:
        return []
    alphas, agreements = stats.nominal_agreement_batch(arrays.codes, arrays.n_options)
    columns = zip(
        arrays.questions,
        r4_list(agreements),
        r4_list(alphas),
        r4_list(_mean_ranges(arrays.percents)),
        (arrays.codes >= 0).sum(axis=(1, 2)).tolist(),
        strict=True,
    )
    return [
        {
            "question_id": q,
            "percent_agreement": agreement,
            "krippendorff_alpha": alpha,
            "alpha_band": stats.alpha_band(alpha),
            "mean_range": spread,
            "ratings": count,
        }
        for q, agreement, alpha, spread, count in columns
    ]


def _mean_ranges(points: np.ndarray) -> np.ndarray:
    """Mean over units of (max - min) points, per question; NaN where no unit has 2 scores."""
    if points.size == 0:
        return np.full(points.shape[0], np.nan)
    present = ~np.isnan(points)
    enough = present.sum(axis=2) >= 2
    hi = np.where(present, points, -np.inf).max(axis=2)
    lo = np.where(present, points, np.inf).min(axis=2)
    spread = np.where(enough, hi - lo, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: np.ndarray = spread.sum(axis=1) / enough.sum(axis=1)
    return out


def worst_criterion(per_question: Sequence[Mapping[str, Any]]) -> str:
    """The question with the lowest percent agreement (then lowest alpha); "" when none."""
    ranked = [q for q in per_question if q["percent_agreement"] is not None]
    if not ranked:
        return ""

    def key(q: Mapping[str, Any]) -> tuple[float, float]:
        alpha = q["krippendorff_alpha"]
        return (q["percent_agreement"], alpha if alpha is not None else math.inf)

    return str(min(ranked, key=key)["question_id"])


def _row_spread(table: np.ndarray) -> dict[str, list[Any]]:
    """Count, mean, sample SD, min, max and range of every row, ignoring NaN, as lists."""
    present = ~np.isnan(table)
    count = present.sum(axis=1)
    filled = np.where(present, table, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=1) / count
        squares = np.where(present, (table - mean[:, None]) ** 2, 0.0).sum(axis=1)
        sd = np.sqrt(squares / (count - 1))
    lo = np.where(present, table, np.inf).min(axis=1, initial=np.inf)
    hi = np.where(present, table, -np.inf).max(axis=1, initial=-np.inf)
    sd = np.where(count >= 2, sd, np.nan)
    return {
        "count": count.tolist(),
        "mean": r4_list(mean),
        "std_dev": r4_list(sd),
        "min": r4_list(lo),
        "max": r4_list(hi),
        "range": r4_list(hi - lo),
    }


def _tier_of(count: int, spread: float | None, aligned_max: float, flag_over: float) -> str:
    """A tier needs two scores: one score has no spread to discuss (the seed's
    ``insufficient_evaluations``)."""
    if count == 0 or spread is None:
        return "no_scores"
    if count < 2:
        return "insufficient_scores"
    return tier(spread, aligned_max, flag_over)


def interaction_rows(
    table: np.ndarray,
    units: Sequence[str],
    raters: Sequence[str],
    expert_id: str,
    *,
    aligned_max: float = ALIGNED_MAX,
    flag_over: float = VARIANCE_FLAG_OVER,
) -> list[dict[str, Any]]:
    """Per interaction (row of the units x raters score table): spread, tier and expert gaps."""
    if table.ndim != 2 or table.shape[0] != len(units) or table.shape[1] != len(raters):
        table = np.full((len(units), len(raters)), np.nan)
    spreads = _row_spread(table)
    expert_col = list(raters).index(expert_id) if expert_id in raters else None
    experts = table[:, expert_col] if expert_col is not None else np.full(len(units), np.nan)
    gaps = r4_list((table - experts[:, None]).ravel()) if table.size else []
    scores = r4_list(table.ravel()) if table.size else []
    out = []
    for i, unit in enumerate(units):
        spread = spreads["range"][i]
        deviations = {}
        for j, rater in enumerate(raters):
            if scores[i * len(raters) + j] is not None:
                deviations[rater] = gaps[i * len(raters) + j]
        out.append(
            {
                "interaction_id": unit,
                **{key: values[i] for key, values in spreads.items()},
                "tier": _tier_of(spreads["count"][i], spread, aligned_max, flag_over),
                "variance_flag": (
                    spreads["count"][i] >= 2 and variance_flag(spread or 0.0, flag_over)
                ),
                "expert_score": r4_list(experts[i : i + 1])[0],
                "deviations": deviations,
                "ai_deviations": {},
            }
        )
    return out


def session_statistics(
    ratings: Sequence[Rating],
    *,
    units: Sequence[str],
    expert_id: str,
    questions: Sequence[str] = (),
    aligned_max: float = ALIGNED_MAX,
    flag_over: float = VARIANCE_FLAG_OVER,
) -> dict[str, Any]:
    """Everything a revealed session reports: per interaction, per question, and reliability.

    Spread, tiers, reliability and per-question agreement use the human panel; every panelist's
    gap to the expert is listed under ``deviations`` (people) and ``ai_deviations`` (the AI).
    """
    humans = [r for r in ratings if r.kind == KIND_HUMAN]
    raters = sorted({r.evaluator_id for r in humans})
    table = units_by_raters(humans, units, raters)
    answers = answer_arrays(humans, units, raters, questions)
    report = statistics_from_arrays(
        table, answers, units, raters, expert_id, aligned_max=aligned_max, flag_over=flag_over
    )
    _add_machine_deviations(report["interactions"], ratings)
    return report


def statistics_from_arrays(
    table: np.ndarray,
    answers: AnswerArrays,
    units: Sequence[str],
    raters: Sequence[str],
    expert_id: str,
    *,
    aligned_max: float = ALIGNED_MAX,
    flag_over: float = VARIANCE_FLAG_OVER,
) -> dict[str, Any]:
    """The session report from its score table (units x raters) and answer arrays."""
    per_question = question_agreement(answers)
    return {
        "interactions": interaction_rows(
            table, units, raters, expert_id, aligned_max=aligned_max, flag_over=flag_over
        ),
        "questions": per_question,
        "worst_criterion": worst_criterion(per_question),
        "reliability": reliability(table),
    }


def _add_machine_deviations(rows: list[dict[str, Any]], ratings: Sequence[Rating]) -> None:
    """Add non-human panelists' gaps to the expert (they are not part of the spread)."""
    by_unit = {row["interaction_id"]: row for row in rows}
    for r in ratings:
        row = by_unit.get(r.interaction_id)
        if r.kind != KIND_HUMAN and row is not None:
            expert = row["expert_score"]
            gap = r4(r.total - expert) if expert is not None else None
            row.setdefault("ai_deviations", {})[r.evaluator_id] = gap


def flat_summary(report: Mapping[str, Any], expert_id: str) -> dict[str, Any]:
    """One flat line for a whole session (the data action): pooled over its interactions.

    Mean of every human score; pooled within-interaction standard deviation; the largest
    range (and its tier); the expert's mean; the largest absolute gap of a person to the expert.
    """
    rows = [r for r in report["interactions"] if r["count"]]
    if not rows:
        return {
            "evaluator_count": 0,
            "mean": 0.0,
            "std_dev": 0.0,
            "range": 0.0,
            "tier": "",
            "variance_flag": False,
            "expert_score": 0.0,
            "max_deviation": 0.0,
            "worst_criterion": report.get("worst_criterion", ""),
        }
    count = sum(r["count"] for r in rows)
    dof = sum(r["count"] - 1 for r in rows if r["std_dev"] is not None)
    pooled_var = sum((r["count"] - 1) * r["std_dev"] ** 2 for r in rows if r["std_dev"] is not None)
    compared = [r for r in rows if r["count"] >= 2] or rows
    widest = max(compared, key=lambda r: r["range"])
    experts = [r["expert_score"] for r in rows if r["expert_score"] is not None]
    gaps = [
        abs(g) for r in rows for e, g in r["deviations"].items() if g is not None and e != expert_id
    ]
    return {
        "evaluator_count": int(report["reliability"]["raters"]),
        "mean": r4(sum(r["mean"] * r["count"] for r in rows) / count) or 0.0,
        "std_dev": r4(math.sqrt(pooled_var / dof)) if dof else 0.0,
        "range": widest["range"],
        "tier": widest["tier"],
        "variance_flag": any(r["variance_flag"] for r in rows),
        "expert_score": r4(sum(experts) / len(experts)) if experts else 0.0,
        "max_deviation": r4(max(gaps)) if gaps else 0.0,
        "worst_criterion": report.get("worst_criterion", ""),
    }


def unit_agreement(arrays: AnswerArrays) -> np.ndarray:
    """Per question and unit, the share of agreeing rater pairs (NaN below two answers)."""
    onehot = (arrays.codes[..., None] == np.arange(arrays.n_options)).astype(float)
    counts = onehot.sum(axis=2)
    m = counts.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        agree: np.ndarray = (counts * (counts - 1.0)).sum(axis=2) / (m * (m - 1.0))
    return np.where(m >= 2, agree, np.nan)
