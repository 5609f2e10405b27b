"""Coaching effectiveness from plain rows, as pure functions: the before and after windows of
each completed coaching, the comparison agents, and the per-module difference-in-differences.

Design (docs/insights.md): for a coaching assigned at ``t0`` and completed at ``t1`` on section
``S``, the agent's ``S`` scores in ``[t0 - before, t0)`` are "before" and in ``(t1, t1 + after]``
"after". Comparison: the ``S`` scores, in the same two windows, of agents with no coaching on
``S`` overlapping ``[t0 - before, t1 + after]``. A module's rows pool its coachings' scores.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from service.insights import rules


@dataclass(frozen=True)
class Coaching:
    """A completed coaching assignment."""

    id: str
    agent_id: str
    section_key: str
    section_name: str
    module_id: str
    trigger: str
    target: str
    assigned_at: datetime
    completed_at: datetime


@dataclass(frozen=True)
class Score:
    """One agent's percentage on one section in one evaluation."""

    evaluation_id: str
    agent_id: str
    section_key: str
    at: datetime
    percentage: float


@dataclass(frozen=True)
class Span:
    """An agent's coaching on a section, from assignment to completion (or still open: None)."""

    agent_id: str
    section_key: str
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class Windows:
    """The before window ``[start, t0)`` and after window ``(t1, end]`` of one coaching."""

    before_start: datetime
    before_end: datetime
    after_start: datetime
    after_end: datetime

    def side(self, at: datetime) -> str:
        """``before``, ``after`` or ``""`` for a score at ``at``."""
        if self.before_start <= at < self.before_end:
            return "before"
        if self.after_start < at <= self.after_end:
            return "after"
        return ""


def windows(c: Coaching, before_days: int, after_days: int) -> Windows:
    """The two windows of a coaching (``before_days`` and ``after_days`` long)."""
    return Windows(
        c.assigned_at - timedelta(days=before_days),
        c.assigned_at,
        c.completed_at,
        c.completed_at + timedelta(days=after_days),
    )


def coached_agents(spans: Iterable[Span], section_key: str, w: Windows) -> set[str]:
    """Agents with a coaching on ``section_key`` overlapping ``[w.before_start, w.after_end]``."""
    return {
        s.agent_id
        for s in spans
        if s.section_key == section_key
        and s.start <= w.after_end
        and (s.end is None or s.end >= w.before_start)
    }


@dataclass
class Sides:
    """Scores split into the four groups, keyed by evaluation id (no score counted twice)."""

    treated_before: dict[str, float]
    treated_after: dict[str, float]
    control_before: dict[str, float]
    control_after: dict[str, float]

    @classmethod
    def empty(cls) -> Sides:
        """Four empty groups."""
        return cls({}, {}, {}, {})

    def add(self, other: Sides) -> None:
        """Pool another coaching's groups into these."""
        self.treated_before.update(other.treated_before)
        self.treated_after.update(other.treated_after)
        self.control_before.update(other.control_before)
        self.control_after.update(other.control_after)


def split(c: Coaching, w: Windows, scores: Iterable[Score], excluded: set[str]) -> Sides:
    """The coaching's own before/after scores and the comparison agents' in the same windows."""
    out = Sides.empty()
    for s in scores:
        side = w.side(s.at)
        if not side or s.section_key != c.section_key:
            continue
        if s.agent_id == c.agent_id:
            target = out.treated_before if side == "before" else out.treated_after
        elif s.agent_id not in excluded:
            target = out.control_before if side == "before" else out.control_after
        else:
            continue
        target[s.evaluation_id] = s.percentage
    return out


def _interval(i: rules.Interval) -> dict[str, Any]:
    return {
        "estimate": _r(i.estimate),
        "se": _r(i.se),
        "df": _r(i.df) if i.df is not None and i.df != float("inf") else None,
        "ci_low": _r(i.ci_low),
        "ci_high": _r(i.ci_high),
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _mean(values: Sequence[float]) -> float | None:
    return _r(sum(values) / len(values)) if values else None


def verdict(change: rules.Interval, did: rules.Interval) -> str:
    """``improved``, ``worse``, ``no_effect`` (the interval covers 0) or ``insufficient_data``.

    The difference-in-differences decides when it has an interval, else the plain change.
    """
    chosen = did if did.ci_low is not None else change
    if chosen.ci_low is None or chosen.ci_high is None:
        return "insufficient_data"
    if chosen.covers_zero:
        return "no_effect"
    return "improved" if chosen.ci_low > 0 else "worse"


def summarize(sides: Sides) -> dict[str, Any]:
    """Counts, means, the change with its Welch interval and the difference-in-differences."""
    tb, ta = list(sides.treated_before.values()), list(sides.treated_after.values())
    cb, ca = list(sides.control_before.values()), list(sides.control_after.values())
    change = rules.welch_change(tb, ta)
    did = rules.difference_in_differences(tb, ta, cb, ca)
    return {
        "n_before": len(tb),
        "n_after": len(ta),
        "mean_before": _mean(tb),
        "mean_after": _mean(ta),
        "change": _interval(change),
        "control_n_before": len(cb),
        "control_n_after": len(ca),
        "control_mean_before": _mean(cb),
        "control_mean_after": _mean(ca),
        "control_change": _interval(rules.welch_change(cb, ca)),
        "did": _interval(did),
        "verdict": verdict(change, did),
    }


def group_key(c: Coaching) -> tuple[str, str, str, str]:
    """What a module row is: (module, section, trigger, target)."""
    return (c.module_id, c.section_key, c.trigger, c.target)


def effectiveness(
    coachings: Sequence[Coaching],
    scores: Sequence[Score],
    spans: Sequence[Span],
    before_days: int,
    after_days: int,
) -> dict[str, Any]:
    """Per coaching and per (module, section, trigger, target): the statistics above."""
    by_section: dict[str, list[Score]] = defaultdict(list)
    for s in scores:
        by_section[s.section_key].append(s)
    rows: list[dict[str, Any]] = []
    pooled: dict[tuple[str, str, str, str], Sides] = defaultdict(Sides.empty)
    names: dict[tuple[str, str, str, str], str] = {}
    counts: dict[tuple[str, str, str, str], int] = defaultdict(int)
    for c in sorted(coachings, key=lambda c: (c.completed_at, c.id)):
        w = windows(c, before_days, after_days)
        sides = split(c, w, by_section[c.section_key], coached_agents(spans, c.section_key, w))
        key = group_key(c)
        pooled[key].add(sides)
        names[key], counts[key] = c.section_name, counts[key] + 1
        rows.append(
            {
                "assignment_id": c.id,
                "agent_id": c.agent_id,
                "module_id": c.module_id,
                "section_key": c.section_key,
                "section_name": c.section_name,
                "trigger": c.trigger,
                "target": c.target,
                "assigned_at": c.assigned_at.isoformat(),
                "completed_at": c.completed_at.isoformat(),
                **summarize(sides),
            }
        )
    modules = [
        {
            "module_id": k[0],
            "section_key": k[1],
            "section_name": names[k],
            "trigger": k[2],
            "target": k[3],
            "coachings": counts[k],
            **summarize(pooled[k]),
        }
        for k in sorted(pooled)
    ]
    return {"modules": modules, "coachings": rows}
