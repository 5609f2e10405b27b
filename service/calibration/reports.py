"""Reports across revealed sessions: reliability, evaluator bias, calibrator drift, recurring
high-variance criteria, and the AI scorer's agreement. Unrevealed sessions never take part.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.calibration import notes, reveal, rules, service
from service.calibration.models import CalibrationScore, CalibrationSession
from service.calibration.schemas import PeriodQuery
from service.reliability import trends
from service.reliability.ratings import KIND_AI, KIND_HUMAN, Rating, by_interaction
from service.settings import Settings

MAX_SESSIONS = 5000


@dataclass(frozen=True)
class Revealed:
    """A revealed session with its ratings, the month and time it was revealed."""

    sess: CalibrationSession
    ratings: list[Rating]
    month: str
    at: str


def revealed_sessions(
    db: Session,
    *,
    now: datetime,
    form_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Revealed]:
    """Revealed sessions (optionally one form's, revealed within [since, until]), oldest first."""
    query = select(CalibrationSession).order_by(CalibrationSession.created_at)
    if form_id:
        query = query.where(CalibrationSession.form_id == form_id)
    sessions = list(db.scalars(query.limit(MAX_SESSIONS)))
    scores: dict[str, list[CalibrationScore]] = defaultdict(list)
    if sessions:
        ids = [s.id for s in sessions]
        for score in db.scalars(
            select(CalibrationScore).where(CalibrationScore.session_id.in_(ids))
        ):
            scores[score.session_id].append(score)
    out = []
    for sess in sessions:
        state = service.progress_from(sess, _counts(scores[sess.id]), now)
        at = state.revealed_at
        if not state.revealed or at is None:
            continue
        if (since and at < reveal.aware(since)) or (until and at > reveal.aware(until)):
            continue
        ratings = service.to_ratings(sess, service.shown_scores(scores[sess.id], state)[0])
        out.append(Revealed(sess, ratings, at.strftime("%Y-%m"), at.isoformat()))
    return sorted(out, key=lambda r: r.at)


def _counts(scores: list[CalibrationScore]) -> list[tuple[str, int, datetime]]:
    per: dict[str, list[datetime]] = defaultdict(list)
    for s in scores:
        per[s.evaluator_id].append(s.submitted_at)
    return [(e, len(times), max(times)) for e, times in per.items()]


def reliability(found: list[Revealed]) -> dict[str, Any]:
    """Per session and pooled: ICC forms with CIs and interval alpha of the human panels."""
    rows = []
    pooled_ratings, pooled_units = [], []
    for r in found:
        humans = [x for x in r.ratings if x.kind == KIND_HUMAN]
        units = [i.conversation_id for i in r.sess.interactions]
        raters = sorted({x.evaluator_id for x in humans})
        stats = rules.reliability(rules.units_by_raters(humans, units, raters))
        rows.append({"session_id": r.sess.id, "name": r.sess.name, "month": r.month, **stats})
        pooled_units += [f"{r.sess.id}/{u}" for u in units]
        pooled_ratings += [
            Rating(f"{r.sess.id}/{x.interaction_id}", x.evaluator_id, x.total) for x in humans
        ]
    raters = sorted({x.evaluator_id for x in pooled_ratings})
    pooled = rules.pooled_reliability(
        rules.units_by_raters(pooled_ratings, pooled_units, raters), raters
    )
    return {"sessions": len(found), "rows": rows, "summary": pooled}


def evaluator_bias(found: list[Revealed], settings: Settings) -> dict[str, Any]:
    """Each evaluator's signed deviation from consensus and from the expert, over time."""
    devs = []
    for r in found:
        devs += trends.session_deviations(r.ratings, r.sess.expert_id, r.month)
    rows = trends.evaluator_bias(devs, settings.calibration_bias_min_points)
    return {"sessions": len(found), "rows": rows, "summary": _directions(rows)}


def _directions(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        out[row["direction"]].append(row["evaluator_id"])
    return dict(out)


def calibrator_drift(found: list[Revealed], settings: Settings) -> dict[str, Any]:
    """Each expert's gap to the team average per month, flagged past the configured gap."""
    gaps = []
    for r in found:
        gaps += trends.expert_gaps(r.ratings, r.sess.expert_id, r.month)
    rows = trends.calibrator_drift(gaps, settings.calibration_drift_gap)
    flagged = [row["calibrator_id"] for row in rows if row["flagged"]]
    return {
        "sessions": len(found),
        "rows": rows,
        "summary": {"flagged": flagged, "max_gap": settings.calibration_drift_gap},
    }


def monthly_questions(found: list[Revealed]) -> dict[str, list[dict[str, Any]]]:
    """Per month, per-question agreement pooled over that month's sessions (people only)."""
    by_month: dict[str, list[Revealed]] = defaultdict(list)
    for r in found:
        by_month[r.month].append(r)
    out = {}
    for month, group in sorted(by_month.items()):
        ratings, units, questions = [], [], {}
        for r in group:
            units += [f"{r.sess.id}/{i.conversation_id}" for i in r.sess.interactions]
            questions.update(dict.fromkeys(service.question_ids(r.sess, r.ratings)))
            ratings += [
                Rating(f"{r.sess.id}/{x.interaction_id}", x.evaluator_id, x.total, x.answers)
                for x in r.ratings
                if x.kind == KIND_HUMAN
            ]
        raters = sorted({x.evaluator_id for x in ratings})
        out[month] = rules.question_agreement(
            rules.answer_arrays(ratings, units, raters, list(questions))
        )
    return out


def recurring_criteria(
    db: Session,
    found: list[Revealed],
    settings: Settings,
    form_id: str | None,
    question_id: str | None = None,
) -> dict[str, Any]:
    """Criteria with high variance month after month (or one criterion's whole history), with
    their monthly agreement and rubric notes."""
    monthly = monthly_questions(found)
    if question_id:
        monthly = {
            m: [q for q in rows if q["question_id"] == question_id] for m, rows in monthly.items()
        }
    rows = trends.recurring_criteria(
        monthly,
        settings.calibration_criterion_range,
        1 if question_id else settings.calibration_recurring_months,
    )
    if question_id and not rows:
        rows = trends.history_of(monthly, question_id, settings.calibration_criterion_range)
    names = {str(q["id"]): q.get("name", "") for r in found for q in r.sess.questions or []}
    forms = sorted({r.sess.form_id for r in found}) if not form_id else [form_id]
    for row in rows:
        row["name"] = names.get(row["question_id"], "")
        row["rubric_notes"] = [
            {
                "form_id": n.form_id,
                "version": n.version,
                "text": n.text,
                "created_at": n.created_at.isoformat(),
            }
            for form in forms
            for n in notes.rubric_notes(db, form_id=form, question_id=row["question_id"])
        ]
    summary = {
        "months": sorted(monthly),
        "range_limit": settings.calibration_criterion_range,
        "min_months": settings.calibration_recurring_months,
    }
    return {"sessions": len(found), "rows": rows, "summary": summary}


def ai_items(found: list[Revealed]) -> dict[str, list[trends.AiItem]]:
    """Per AI panelist, its answers next to the expert's and the human majority's."""
    out: dict[str, list[trends.AiItem]] = defaultdict(list)
    for r in found:
        for unit, ratings in by_interaction(r.ratings).items():
            expert = next((x for x in ratings if x.evaluator_id == r.sess.expert_id), None)
            humans = [x for x in ratings if x.kind == KIND_HUMAN]
            for ai in (x for x in ratings if x.kind == KIND_AI):
                for qid, answer in ai.answers.items():
                    ref = expert.answers.get(qid) if expert else None
                    votes = [h.answers[qid].answer for h in humans if qid in h.answers]
                    out[ai.evaluator_id].append(
                        trends.AiItem(
                            qid,
                            f"{r.sess.id}/{unit}",
                            r.at,
                            answer.answer,
                            ref.answer if ref else None,
                            trends.majority(votes),
                        )
                    )
    return out


def ai_total_gaps(found: list[Revealed], window: int) -> dict[str, dict[str, Any]]:
    """Per AI panelist: its total minus the expert's over the latest ``window`` interactions."""
    gaps: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for r in found:
        expert = {
            x.interaction_id: x.total for x in r.ratings if x.evaluator_id == r.sess.expert_id
        }
        for x in r.ratings:
            if x.kind == KIND_AI and x.interaction_id in expert:
                gaps[x.evaluator_id].append((r.at, x.total - expert[x.interaction_id]))
    return {
        ai: trends.mean_ci([g for _at, g in sorted(rows, reverse=True)[:window]])
        for ai, rows in gaps.items()
    }


def ai_agreement(found: list[Revealed], settings: Settings) -> dict[str, Any]:
    """Per AI scorer: per-question agreement with the expert and the human majority, and its
    total's gap to the expert, over the latest calibrated interactions."""
    window = settings.calibration_ai_window
    totals = ai_total_gaps(found, window)
    rows = [
        {
            "evaluator_id": ai,
            "questions": trends.ai_agreement(items, window),
            "total_minus_expert": totals.get(ai, trends.mean_ci([])),
        }
        for ai, items in sorted(ai_items(found).items())
    ]
    return {"sessions": len(found), "rows": rows, "summary": {"window": window}}


KINDS = ("reliability", "evaluators", "calibrators", "criteria", "ai")


def period_report(
    db: Session, settings: Settings, kind: str, *, now: datetime, query: PeriodQuery
) -> dict[str, Any]:
    """One cross-session report (``KINDS``) over the sessions revealed within the query's period
    (and form): ``{"sessions": n, "rows": [...], "summary": {...}}``. Raises ``KeyError`` for
    another kind."""
    form_id, question_id = query.formId, query.questionId
    found = revealed_sessions(db, now=now, form_id=form_id, since=query.since, until=query.until)
    builders = {
        "reliability": lambda: reliability(found),
        "evaluators": lambda: evaluator_bias(found, settings),
        "calibrators": lambda: calibrator_drift(found, settings),
        "criteria": lambda: recurring_criteria(db, found, settings, form_id, question_id),
        "ai": lambda: ai_agreement(found, settings),
    }
    return builders[kind]()
