"""Collecting the finished evaluations of mirrored Genesys calibrations into sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.rules import Principal
from service.calibration import sources
from service.calibration.models import CalibrationInteraction, CalibrationSession
from service.calibration.schemas import AnswerIn, ScoreIn
from service.calibration.service import (
    panel_ids,
    progress,
    require_staff,
    upsert_score,
    visible_session,
)
from service.errors import InvalidInput


def collect_from_genesys(
    db: Session, *, session_id: str, principal: Principal, genesys: Any, now: datetime
) -> dict[str, int]:
    """Pull the finished evaluations of a mirrored session's Genesys calibrations.

    Only panelists' FINISHED evaluations count; once the session is revealed nothing more is
    taken (a late score could have been anchored on the revealed ones). Returns counts only.
    """
    require_staff(principal)
    if genesys is None:
        raise InvalidInput("Genesys is not configured here.", code="genesys_not_configured")
    sess = visible_session(db, session_id=session_id, principal=principal)
    counts = {"collected": 0, "pending": 0, "skipped": 0}
    if progress(db, sess, now).revealed:
        return counts
    members = panel_ids(sess)
    for item in sess.interactions:
        if not item.genesys_calibration_id:
            continue
        calibration = genesys.get_calibration(item.genesys_calibration_id) or {}
        for entry in calibration.get("evaluations") or []:
            evaluation = _full_evaluation(genesys, item.conversation_id, entry)
            outcome = _collect_one(db, sess, item, evaluation, members, now)
            counts[outcome] += 1
    return counts


def _full_evaluation(genesys: Any, conversation_id: str, entry: dict[str, Any]) -> dict[str, Any]:
    """A calibration lists its evaluations as references; fetch one when it lacks answers."""
    if (entry.get("evaluator") and entry.get("answers")) or not entry.get("id"):
        return entry
    if str(entry.get("status", "")).upper() not in ("", "FINISHED"):
        return entry  # not finished yet: no need to spend a request on it
    full: dict[str, Any] = genesys.get_evaluation(conversation_id, str(entry["id"]))
    return full


def _collect_one(
    db: Session,
    sess: CalibrationSession,
    item: CalibrationInteraction,
    evaluation: dict[str, Any],
    members: set[str],
    now: datetime,
) -> str:
    if not sources.finished(evaluation):
        return "pending"
    evaluator = str((evaluation.get("evaluator") or {}).get("id") or "")
    if evaluator not in members:
        return "skipped"
    total, answers = sources.answers_from_evaluation(evaluation)
    if total is None or not 0 <= total <= 100 or sources.nothing_scorable(evaluation):
        return "skipped"
    data = ScoreIn(
        conversationId=item.conversation_id,
        evaluatorId=evaluator,
        totalScore=total,
        answers=[AnswerIn(**a) for a in answers],
    )
    external = str(evaluation.get("id") or "")
    upsert_score(db, sess, item, evaluator, data, now, "genesys", external)
    return "collected"


def collect_open_sessions(db: Session, *, genesys: Any, now: datetime) -> dict[str, int]:
    """Collect every mirrored session that is still open (the batch job behind the CLI)."""
    batch = Principal("calibration-batch", "admin")
    totals = {"sessions": 0, "collected": 0, "pending": 0, "skipped": 0}
    query = select(CalibrationSession).where(
        CalibrationSession.mirror_to_genesys.is_(True), CalibrationSession.closed_at.is_(None)
    )
    for sess in db.scalars(query):
        if progress(db, sess, now).status != "open":
            continue
        counts = collect_from_genesys(
            db, session_id=sess.id, principal=batch, genesys=genesys, now=now
        )
        totals["sessions"] += 1
        for key, value in counts.items():
            totals[key] += value
    return totals
