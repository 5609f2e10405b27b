"""The ``calibration-report`` data action: one flat line per session or Genesys calibration.

Blind like every other route: until the session is revealed the numbers are 0 and ``status`` is
``incomplete`` (with ``submitted`` of ``expected`` scores). Every key is always present.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.calibration import rules, service
from service.calibration.models import CalibrationInteraction, CalibrationSession
from service.calibration.schemas import CalibrationReportOut
from service.settings import Settings


def _blank(
    calibration_id: str, status: str, submitted: int = 0, expected: int = 0
) -> CalibrationReportOut:
    return CalibrationReportOut(
        calibrationId=calibration_id,
        status=status,
        evaluatorCount=0,
        mean=0.0,
        stdDev=0.0,
        range=0.0,
        tier="",
        varianceFlag=False,
        expertScore=0.0,
        maxDeviation=0.0,
        worstCriterion="",
        submitted=submitted,
        expected=expected,
    )


def _find(db: Session, calibration_id: str) -> tuple[CalibrationSession | None, str | None]:
    """Our session id, or a mirrored Genesys calibration id (then only its conversation)."""
    sess = db.get(CalibrationSession, calibration_id)
    if sess is not None:
        return sess, None
    item = db.scalar(
        select(CalibrationInteraction).where(
            CalibrationInteraction.genesys_calibration_id == calibration_id
        )
    )
    return (item.session, item.conversation_id) if item is not None else (None, None)


def calibration_report(
    db: Session, *, calibration_id: str, settings: Settings, now: datetime
) -> CalibrationReportOut:
    """The flat report; ``not_found``, ``empty`` and ``incomplete`` are answers, not errors."""
    sess, only = _find(db, calibration_id)
    if sess is None:
        return _blank(calibration_id, "not_found")
    state = service.progress(db, sess, now)
    if state.status == "empty":
        return _blank(calibration_id, "empty")
    if not state.revealed:
        return _blank(calibration_id, "incomplete", state.submitted, state.expected)
    flat = rules.flat_summary(
        service.statistics(db, sess, settings, state, only=only), sess.expert_id
    )
    if flat["evaluator_count"] == 0:
        return _blank(calibration_id, "empty", state.submitted, state.expected)
    return CalibrationReportOut(
        calibrationId=calibration_id,
        status="revealed",
        evaluatorCount=flat["evaluator_count"],
        mean=flat["mean"],
        stdDev=flat["std_dev"],
        range=flat["range"],
        tier=flat["tier"],
        varianceFlag=flat["variance_flag"],
        expertScore=flat["expert_score"],
        maxDeviation=flat["max_deviation"],
        worstCriterion=flat["worst_criterion"],
        submitted=state.submitted,
        expected=state.expected,
    )
