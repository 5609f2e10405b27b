"""Insight use cases: store evaluation snapshots, coaching effectiveness, trust in automated
scoring (with its alerts). Reads coaching, calibration, scoring and dispute tables; writes only
its own tables and the ``insights.alert`` webhook event.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service import boundary
from service.calibration import reports
from service.calibration.schemas import AI_PREFIX
from service.coaching.models import CoachingAssignment
from service.coaching.rules import section_key
from service.errors import BadRequest
from service.exports.rules import instant
from service.insights import effect, reads, trust
from service.insights.models import EvaluationAnswer, SectionScore, TrustAlert
from service.reliability import trends
from service.settings import Settings
from service.webhooks.service import emit

MAX_ROWS = reads.MAX_ROWS
ALERT_EVENT = "insights.alert"


# --- snapshots (the ``insights.record_evaluation`` job) ---


def _when(text: str) -> datetime:
    parsed = boundary.parse_iso_day(text)
    if parsed is None:
        raise BadRequest(f"evaluatedAt {text!r} is not an ISO 8601 date or datetime")
    return instant(parsed)


def record_evaluation(session: Session, *, payload: dict[str, Any]) -> int:
    """Store one finished evaluation's section scores and answers (replacing an older version's).

    ``payload`` is ``service.coaching.snapshot.snapshot``'s shape. Returns the rows written (0
    when a newer version is stored already). Raises ``BadRequest`` for an unreadable date.
    """
    evaluation_id, version = str(payload["evaluationId"]), int(payload.get("version") or 0)
    stored = session.scalars(
        select(SectionScore.evaluation_version).where(SectionScore.evaluation_id == evaluation_id)
    ).first()
    if stored is not None and stored > version:
        return 0
    at = _when(str(payload["evaluatedAt"]))
    for model in (SectionScore, EvaluationAnswer):
        session.execute(delete(model).where(model.evaluation_id == evaluation_id))
    common = {"evaluation_id": evaluation_id, "conversation_id": payload.get("conversationId", "")}
    common["form_id"] = payload.get("formId", "")
    rows: list[Any] = [
        SectionScore(
            **common,
            evaluation_version=version,
            agent_id=payload["agentId"],
            section_id=s["id"],
            section_name=s.get("name", ""),
            section_key=section_key(s["id"], s.get("name", "")),
            percentage=float(s["percentage"]),
            evaluated_at=at,
        )
        for s in payload.get("sections", [])
    ]
    rows += [
        EvaluationAnswer(
            **common,
            evaluator_id=payload.get("evaluatorId", ""),
            question_id=a["questionId"],
            answer_id=a.get("answerId", ""),
            evaluated_at=at,
        )
        for a in payload.get("answers", [])
    ]
    session.add_all(rows)
    session.flush()
    return len(rows)


# --- effectiveness ---


def _coaching(a: CoachingAssignment) -> effect.Coaching:
    assert a.closed_at is not None
    return effect.Coaching(
        a.id,
        a.agent_id,
        a.section_key,
        a.section_name,
        a.module_id,
        a.trigger,
        a.target,
        instant(a.created_at),
        instant(a.closed_at),
    )


def effectiveness(
    session: Session,
    *,
    settings: Settings,
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, Any]:
    """Completed coachings (closed in ``[start, end)``) with before/after section scores, the
    change, the comparison agents and the difference-in-differences, per coaching and module."""
    start, end = (instant(start) if start else None), (instant(end) if end else None)
    if start and end and start >= end:
        raise BadRequest("'from' must be before 'to'", code="invalid_window")
    query = select(CoachingAssignment).where(
        CoachingAssignment.status == "completed", CoachingAssignment.closed_at.is_not(None)
    )
    if start:
        query = query.where(CoachingAssignment.closed_at >= start)
    if end:
        query = query.where(CoachingAssignment.closed_at < end)
    coachings = [_coaching(a) for a in session.scalars(query.limit(MAX_ROWS))]
    before, after = settings.insights_before_days, settings.insights_after_days
    keys = sorted({c.section_key for c in coachings})
    scores: list[effect.Score] = []
    spans: list[effect.Span] = []
    if coachings:
        low = min(c.assigned_at for c in coachings) - timedelta(days=before)
        high = max(c.completed_at for c in coachings) + timedelta(days=after)
        scores = _scores(session, keys, low, high)
        spans = _spans(session, keys)
    report = effect.effectiveness(coachings, scores, spans, before, after)
    report["summary"] = {"before_days": before, "after_days": after, "confidence": 0.95}
    return report


def _scores(session: Session, keys: list[str], low: datetime, high: datetime) -> list[effect.Score]:
    rows = session.scalars(
        select(SectionScore)
        .where(
            SectionScore.section_key.in_(keys),
            SectionScore.evaluated_at >= low,
            SectionScore.evaluated_at <= high,
        )
        .limit(MAX_ROWS)
    )
    return [
        effect.Score(
            r.evaluation_id, r.agent_id, r.section_key, instant(r.evaluated_at), r.percentage
        )
        for r in rows
    ]


def _spans(session: Session, keys: list[str]) -> list[effect.Span]:
    rows = session.scalars(
        select(CoachingAssignment).where(CoachingAssignment.section_key.in_(keys)).limit(MAX_ROWS)
    )
    return [
        effect.Span(
            r.agent_id,
            r.section_key,
            instant(r.created_at),
            instant(r.closed_at) if r.closed_at else None,
        )
        for r in rows
    ]


# --- trust ---


def thresholds(settings: Settings) -> trust.Thresholds:
    """The alert thresholds from settings."""
    return trust.Thresholds(
        settings.insights_agreement_window,
        settings.insights_min_kappa,
        settings.insights_min_pairs,
        settings.insights_max_overturn_rate,
        settings.insights_min_disputes,
    )


def trust_report(session: Session, *, settings: Settings, now: datetime) -> dict[str, Any]:
    """Per question: kappa (overall, per language), overturns and alerts; per language; per
    evaluator: overturn rate next to calibration bias; and the open alerts."""
    automated = reads.automated(session)
    language = reads.languages(automated)
    found = reports.revealed_sessions(session, now=now)
    pairs = reads.calibration_pairs(found, language) + reads.evaluation_pairs(session, automated)
    items = reads.disputed(session, automated)
    t = thresholds(settings)
    bias = [
        row
        for row in reports.evaluator_bias(found, settings)["rows"]
        if not str(row["evaluator_id"]).startswith(AI_PREFIX)  # people only: AI is per question
    ]
    return {
        "questions": trust.question_rows(pairs, items, t),
        "languages": trust.language_rows(pairs, t.window),
        "evaluators": trust.evaluator_rows(items, bias),
        "alerts": [alert_json(a) for a in open_alerts(session)],
        "summary": {
            "window": t.window,
            "min_kappa": t.min_kappa,
            "min_pairs": t.min_pairs,
            "max_overturn_rate": t.max_overturn,
            "min_disputes": t.min_disputes,
            "ai_window_default": trends.AI_WINDOW,
        },
    }


# --- alerts ---


def open_alerts(session: Session) -> list[TrustAlert]:
    """Alerts not resolved yet, newest first."""
    query = select(TrustAlert).where(TrustAlert.resolved_at.is_(None))
    return list(session.scalars(query.order_by(TrustAlert.created_at.desc()).limit(1000)))


def alert_json(a: TrustAlert) -> dict[str, Any]:
    """The public shape of an alert (also the ``insights.alert`` event's data)."""
    return {
        "alertId": a.id,
        "formId": a.form_id,
        "questionId": a.question_id,
        "kind": a.kind,
        "value": a.value,
        "threshold": a.threshold,
        "count": a.count,
        "owners": list(a.owners or []),
        "createdAt": instant(a.created_at).isoformat(),
        "resolvedAt": instant(a.resolved_at).isoformat() if a.resolved_at else None,
    }


def owners_of(settings: Settings, form_id: str) -> list[str]:
    """The form's owners from ``QM_INSIGHTS_FORM_OWNERS`` (``*`` for forms not listed)."""
    owners = settings.insights_form_owners
    return list(owners.get(form_id, owners.get("*", [])))


def _wanted(row: dict[str, Any], t: trust.Thresholds) -> dict[str, tuple[float, float, int]]:
    out = {}
    if row["kappa_alert"]:
        a = row["agreement"]
        out["kappa"] = (float(a["kappa"]), t.min_kappa, int(a["pairs"]))
    if row["overturn_alert"]:
        o = row["overturn"]
        out["overturn"] = (float(o["rate"]), t.max_overturn, int(o["decided"]))
    return out


def check_alerts(session: Session, *, settings: Settings, now: datetime) -> dict[str, int]:
    """Open an alert (and emit ``insights.alert``) for each question newly past a threshold;
    resolve open alerts whose question is back within. Returns counts opened and resolved."""
    report = trust_report(session, settings=settings, now=now)
    t = thresholds(settings)
    wanted: dict[str, tuple[dict[str, Any], str, tuple[float, float, int]]] = {}
    for row in report["questions"]:
        for kind, numbers in _wanted(row, t).items():
            wanted[f"{row['form_id']}|{row['question_id']}|{kind}"] = (row, kind, numbers)
    opened = resolved = 0
    for alert in open_alerts(session):
        if alert.open_key not in wanted:
            alert.open_key, alert.resolved_at = None, now
            resolved += 1
    session.flush()
    have = {a.open_key for a in open_alerts(session)}
    for key, (row, kind, (value, threshold, count)) in sorted(wanted.items()):
        if key in have:
            continue
        alert = TrustAlert(
            open_key=key,
            form_id=row["form_id"],
            question_id=row["question_id"],
            kind=kind,
            value=value,
            threshold=threshold,
            count=count,
            owners=owners_of(settings, row["form_id"]),
            created_at=now,
        )
        try:
            with session.begin_nested():  # a concurrent check may have opened it just now
                session.add(alert)
        except IntegrityError:
            continue
        emit(session, ALERT_EVENT, alert_json(alert))
        opened += 1
    return {"opened": opened, "resolved": resolved}
