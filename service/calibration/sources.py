"""Where calibration data comes from and goes to: candidate draws (inline or Genesys analytics),
mirroring sessions into Genesys calibrations, and collecting the finished evaluations back.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.calibration import reveal, selection
from service.calibration.models import CalibrationCandidate
from service.errors import InvalidInput
from service.settings import Settings


def draw_candidates(
    sel: Any, *, settings: Settings, genesys: Any, now: datetime, db: Session | None = None
) -> dict[str, Any]:
    """Run the seeded stratified draw over inline, stored or Genesys candidates."""
    criteria = selection.Criteria(
        min_talk_seconds=(
            sel.minTalkSeconds
            if sel.minTalkSeconds is not None
            else settings.calibration_min_talk_seconds
        ),
        days=sel.days or settings.calibration_candidate_days,
    )
    seed = sel.seed if sel.seed is not None else secrets.randbelow(2**62)
    return selection.select(
        selection.eligible(_pool(sel, criteria, genesys, now, db), criteria, now),
        count=sel.count or settings.calibration_session_size,
        seed=seed,
        min_agents=sel.minAgents or settings.calibration_min_agents,
    )


def _pool(
    sel: Any, criteria: selection.Criteria, genesys: Any, now: datetime, db: Session | None
) -> list[selection.Candidate]:
    if sel.source == "genesys":
        if genesys is None:
            raise InvalidInput("Genesys is not configured here.", code="genesys_not_configured")
        return fetch_genesys_candidates(
            genesys, now=now, days=criteria.days, max_pages=sel.maxPages
        )
    if sel.source == "database":
        if db is None:
            raise InvalidInput("No database to draw from.", code="no_database")
        return stored_candidates(db, since=now - timedelta(days=criteria.days))
    return [
        selection.Candidate(
            conversation_id=c.conversationId,
            agent_id=c.agentId,
            handle_seconds=c.handleSeconds,
            talk_seconds=c.talkSeconds,
            media_type=c.mediaType.lower(),
            has_recording=c.hasRecording,
            start=reveal.aware(c.start) if c.start else None,
        )
        for c in sel.candidates
    ]


def stored_candidates(db: Session, *, since: datetime) -> list[selection.Candidate]:
    """Interactions in our candidate pool started since ``since`` (or with no start time)."""
    query = select(CalibrationCandidate).where(
        or_(CalibrationCandidate.started_at.is_(None), CalibrationCandidate.started_at >= since)
    )
    return [
        selection.Candidate(
            conversation_id=c.conversation_id,
            agent_id=c.agent_id,
            handle_seconds=c.handle_seconds,
            talk_seconds=c.talk_seconds,
            media_type=c.media_type,
            has_recording=c.has_recording,
            start=c.started_at,
        )
        for c in db.scalars(query.limit(50_000))
    ]


def add_candidates(db: Session, items: list[Any]) -> dict[str, int]:
    """Upsert interactions into the candidate pool by conversation id."""
    added = updated = 0
    for item in {c.conversationId: c for c in items}.values():
        values = {
            "agent_id": item.agentId,
            "handle_seconds": item.handleSeconds,
            "talk_seconds": item.talkSeconds,
            "media_type": item.mediaType.lower(),
            "has_recording": item.hasRecording,
            "started_at": reveal.aware(item.start) if item.start else None,
        }
        try:
            with db.begin_nested():
                db.add(CalibrationCandidate(conversation_id=item.conversationId, **values))
            added += 1
        except IntegrityError:
            row = db.scalar(
                select(CalibrationCandidate).where(
                    CalibrationCandidate.conversation_id == item.conversationId
                )
            )
            if row is None:
                raise
            for key, value in values.items():
                setattr(row, key, value)
            updated += 1
    db.flush()
    total = db.scalar(select(func.count()).select_from(CalibrationCandidate)) or 0
    return {"added": added, "updated": updated, "total": int(total)}


def fetch_genesys_candidates(
    genesys: Any, *, now: datetime, days: int, max_pages: int, page_size: int = 100
) -> list[selection.Candidate]:
    """Page through the analytics conversation details query (voice, last ``days`` days)."""
    out: list[selection.Candidate] = []
    for page in range(1, max_pages + 1):
        body = selection.details_query(now, days, page, page_size)
        answer = genesys.query_conversation_details(body) or {}
        conversations = answer.get("conversations") or []
        out += [c for c in map(selection.candidate_from_details, conversations) if c]
        total = answer.get("totalHits")
        if len(conversations) < page_size or (isinstance(total, int) and page * page_size >= total):
            break
    return out


# --- Genesys calibrations ---


def calibration_body(sess: Any, interaction: Any) -> dict[str, Any]:
    """The ``POST /api/v2/quality/calibrations`` body of one interaction (people only)."""
    evaluators = [
        p.evaluator_id for p in sess.panel if p.kind == "human" and p.evaluator_id != sess.expert_id
    ]
    return {
        "conversation": {"id": interaction.conversation_id},
        "evaluationForm": {"id": sess.form_id},
        "calibrator": {"id": sess.calibrator_id},
        "evaluators": [{"id": e} for e in evaluators],
        "expertEvaluator": {"id": sess.expert_id},
    }


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def answers_from_evaluation(
    evaluation: dict[str, Any],
) -> tuple[float | None, list[dict[str, Any]]]:
    """The total score and per-question answers of a Genesys evaluation (parsed defensively)."""
    scoring = evaluation.get("answers") or {}
    answers = []
    for group in scoring.get("questionGroupScores") or []:
        for q in group.get("questionScores") or []:
            if q.get("questionId") and (q.get("answerId") or q.get("markedNA")):
                answers.append(
                    {
                        "questionId": str(q["questionId"]),
                        "answerId": str(q.get("answerId") or "NA"),
                        "score": None if q.get("markedNA") else _number(q.get("score")),
                    }
                )
    return _number(scoring.get("totalScore")), answers


def nothing_scorable(evaluation: dict[str, Any]) -> bool:
    """True when every answered question is marked N/A: Genesys counts N/A as 0 of 0, so the
    evaluation's total is no score (never a 0 % to calibrate against)."""
    scores = [
        q
        for group in (evaluation.get("answers") or {}).get("questionGroupScores") or []
        for q in group.get("questionScores") or []
        if q.get("questionId")
    ]
    return bool(scores) and all(q.get("markedNA") for q in scores)


def finished(evaluation: dict[str, Any]) -> bool:
    """FINISHED (REST) or Finished (events), any case."""
    return str(evaluation.get("status", "")).upper() == "FINISHED"
