"""Program rules as pure functions: when a period falls, who calibrates, who has drifted.

Times: a program's day and time are wall-clock times in its IANA time zone (``zoneinfo``). A
wall-clock time that does not exist (the spring-forward hour) runs at the same offset as just
before the change, i.e. one hour later on the clock; an ambiguous one (the fall-back hour) runs
at its first occurrence. A monthly or quarterly ``day`` past the month's end means the month's
last day (31 is "the last day of every month"). Source of the cadences: the seed's "monthly
(for stable teams) or bi-weekly (for new QM programs)" and its quarterly calibration of
calibrators.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.reliability import trends

CADENCES = ("weekly", "biweekly", "monthly", "quarterly")
QUARTER_MONTHS = (1, 4, 7, 10)
ON_DRIFT = ("keep", "skip", "rotate_out")
LOOKBACK_DAYS = 400  # longer than any cadence's period


@dataclass(frozen=True)
class Cadence:
    """When a program's sessions fall (``weekday`` 0 = Monday; ``day`` 1-31)."""

    every: str
    timezone: str = "UTC"
    at: time = time(9, 0)
    weekday: int = 0
    day: int = 1
    start: date = date(2000, 1, 3)


def _matches(c: Cadence, d: date) -> bool:
    """Whether local date ``d`` is one of the cadence's days (on or after its start)."""
    if d < c.start:
        return False
    if c.every in ("weekly", "biweekly"):
        if d.weekday() != c.weekday:
            return False
        if c.every == "weekly":
            return True
        first = c.start + timedelta(days=(c.weekday - c.start.weekday()) % 7)
        return ((d - first).days // 7) % 2 == 0
    if c.every == "quarterly" and d.month not in QUARTER_MONTHS:
        return False
    last = calendar.monthrange(d.year, d.month)[1]
    return d.day == min(c.day, last)


def at_local(c: Cadence, d: date) -> datetime:
    """The UTC instant of the cadence's wall-clock time on local date ``d``."""
    return datetime.combine(d, c.at, tzinfo=ZoneInfo(c.timezone)).astimezone(UTC)


def latest_due(c: Cadence, now: datetime) -> tuple[str, datetime] | None:
    """The most recent period at or before ``now``: (period key, its UTC instant), or None.

    The period key is the local date (``YYYY-MM-DD``), the unit of idempotency.
    """
    today = now.astimezone(ZoneInfo(c.timezone)).date()
    for back in range(LOOKBACK_DAYS):
        d = today - timedelta(days=back)
        if _matches(c, d) and at_local(c, d) <= now:
            return d.isoformat(), at_local(c, d)
    return None


def next_due(c: Cadence, now: datetime) -> tuple[str, datetime] | None:
    """The first period strictly after ``now`` (for listings), or None."""
    today = now.astimezone(ZoneInfo(c.timezone)).date()
    for ahead in range(LOOKBACK_DAYS):
        d = today + timedelta(days=ahead)
        if _matches(c, d) and at_local(c, d) > now:
            return d.isoformat(), at_local(c, d)
    return None


def deadline_for(scheduled: datetime, now: datetime, offset: timedelta) -> datetime:
    """A period's deadline: ``offset`` after it falls, or after ``now`` when created late.

    A period created on recovery (the worker was down) keeps its full answering window.
    """
    return max(scheduled, now) + offset


# --- rotation ---


def _trailing_run(history: Sequence[str]) -> int:
    """How many of the latest runs the last calibrator has held in a row."""
    run = 0
    for item in reversed(history):
        if item != history[-1]:
            break
        run += 1
    return run


def next_calibrator(
    pool: Sequence[str],
    history: Sequence[str],
    *,
    per_term: int = 1,
    flagged: frozenset[str] = frozenset(),
    on_drift: str = "skip",
) -> tuple[str, str]:
    """The calibrator of the next period and why: (user id, reason).

    ``history`` lists earlier periods' calibrators, oldest first; a calibrator serves
    ``per_term`` consecutive periods, then the role passes to the next in ``pool`` order.
    ``flagged`` are calibrators the drift report flags; ``on_drift``: ``keep`` ignores it,
    ``skip`` passes over a flagged calibrator when their turn comes, ``rotate_out`` also ends a
    flagged calibrator's term early. Reasons: ``first``, ``term_continues``, ``rotation``,
    ``skipped_drift``, ``rotated_out_drift``, ``all_flagged`` (every one flagged: plain order).
    Raises ``ValueError`` on an empty pool.
    """
    if not pool:
        raise ValueError("the calibrator pool is empty")
    avoid = flagged if on_drift in ("skip", "rotate_out") else frozenset()
    current = history[-1] if history else None
    start = pool.index(current) + 1 if current in pool else 0
    reason = "first" if current is None else "rotation"
    if current is not None and current in pool and _trailing_run(history) < per_term:
        if not (on_drift == "rotate_out" and current in flagged):
            return current, "term_continues"
        reason = "rotated_out_drift"
    order = [pool[(start + i) % len(pool)] for i in range(len(pool))]
    eligible = [p for p in order if p not in avoid]
    if not eligible:
        return order[0], "all_flagged"
    if eligible[0] != order[0] and reason != "rotated_out_drift":
        reason = "skipped_drift"
    return eligible[0], reason


# --- calibration of calibrators ---


@dataclass(frozen=True)
class ExpertScore:
    """A calibrator's expert score on one conversation (total and per-question percents)."""

    calibrator_id: str
    conversation_id: str
    total: float
    criteria: Mapping[str, float]


def _consensus(scores: Sequence[tuple[float, Mapping[str, float]]]) -> tuple[float, dict]:
    totals = [t for t, _ in scores]
    per: dict[str, list[float]] = {}
    for _, criteria in scores:
        for q, v in criteria.items():
            per.setdefault(q, []).append(v)
    return sum(totals) / len(totals), {q: sum(v) / len(v) for q, v in per.items()}


def leadership_consensus(
    leadership: Mapping[str, Sequence[tuple[float, Mapping[str, float]]]],
) -> dict[str, tuple[float, dict[str, float]]]:
    """Per conversation: the leadership panel's mean total and mean per-question percent."""
    return {conv: _consensus(scores) for conv, scores in leadership.items() if scores}


def _diverges(ci: Mapping[str, Any], gap: float) -> bool:
    """The interval excludes 0 and the mean's size exceeds ``gap`` points."""
    low, high, mean = ci["ci_low"], ci["ci_high"], ci["mean"]
    if low is None or high is None or mean is None:
        return False
    return (low > 0 or high < 0) and abs(mean) > gap


def calibrators_against_leadership(
    expert: Sequence[ExpertScore],
    consensus: Mapping[str, tuple[float, Mapping[str, float]]],
    *,
    gap: float,
    confidence: float = 0.95,
) -> list[dict[str, Any]]:
    """Each calibrator's expert scores minus the leadership consensus on the same conversations.

    Per calibrator: ``n`` conversations, the mean difference in points with a Student-t
    ``confidence`` interval, the same per criterion, and ``unchallenged_standard``: true when
    the interval excludes 0 and the mean's size exceeds ``gap`` (the configured drift gap): the
    team has been calibrated to a standard the leadership does not share (seed edge case 3).
    """
    diffs: dict[str, list[float]] = {}
    per_q: dict[str, dict[str, list[float]]] = {}
    for s in expert:
        if s.conversation_id not in consensus:
            continue
        total, criteria = consensus[s.conversation_id]
        diffs.setdefault(s.calibrator_id, []).append(s.total - total)
        for q, v in s.criteria.items():
            if q in criteria:
                per_q.setdefault(s.calibrator_id, {}).setdefault(q, []).append(v - criteria[q])
    out = []
    for calibrator in sorted(diffs):
        ci = trends.mean_ci(diffs[calibrator], confidence)
        criteria_rows = [
            {"question_id": q, **trends.mean_ci(v, confidence)}
            for q, v in sorted(per_q.get(calibrator, {}).items())
        ]
        out.append(
            {
                "calibrator_id": calibrator,
                **ci,
                "unchallenged_standard": _diverges(ci, gap),
                "criteria": [{**row, "diverges": _diverges(row, gap)} for row in criteria_rows],
            }
        )
    return out
