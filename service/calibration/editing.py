"""Editing a session before its reveal: add or remove panelists, move the deadline; audited.

Every change writes one ``CalibrationAudit`` row (who, when, what). A panelist added late is an
ordinary panelist: blindness (``reveal.may_see_score``) shows them only their own scores until
the reveal, and they count toward completion. Removing a panelist who already scored moves their
scores into the audit row and out of the score table, so no statistic, report, collection or
reveal counts them. The expert cannot be removed (the session's reference score).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service.auth.rules import Principal
from service.calibration import reveal
from service.calibration.models import (
    CalibrationAudit,
    CalibrationPanelist,
    CalibrationScore,
    CalibrationSession,
)
from service.calibration.schemas import AI_PREFIX
from service.calibration.service import ON_BEHALF_ROLES, progress, visible_session
from service.calibration.service import close as close_now
from service.errors import Conflict, Forbidden, InvalidInput, NotFound


def audit(
    db: Session, sess: CalibrationSession, principal: Principal, action: str, detail: dict, now
) -> CalibrationAudit:
    """Record one change to a session."""
    row = CalibrationAudit(
        session_id=sess.id,
        actor=principal.user_id or principal.subject,
        action=action,
        detail=detail,
        at=now,
    )
    db.add(row)
    db.flush()
    return row


def _editable(db: Session, session_id: str, principal: Principal, now: datetime):
    """The session, if the caller may edit it and it is not revealed yet."""
    if principal.role not in ON_BEHALF_ROLES:
        raise Forbidden("Only an admin can edit a session.", code="admin_only")
    sess = visible_session(db, session_id=session_id, principal=principal)
    if progress(db, sess, now).revealed:
        raise Conflict("A revealed session cannot be edited.", code="session_revealed")
    return sess


def add_panelist(
    db: Session, *, session_id: str, evaluator_id: str, principal: Principal, now: datetime
) -> CalibrationSession:
    """Put a person (or ``ai:<model>``) on the panel before the reveal; raises on refusal."""
    sess = _editable(db, session_id, principal, now)
    if evaluator_id in {p.evaluator_id for p in sess.panel}:
        raise Conflict("That evaluator is already on the panel.", code="already_on_panel")
    kind = "ai" if evaluator_id.startswith(AI_PREFIX) else "human"
    db.add(CalibrationPanelist(session_id=sess.id, evaluator_id=evaluator_id, kind=kind))
    audit(db, sess, principal, "panelist_added", {"evaluatorId": evaluator_id, "kind": kind}, now)
    db.refresh(sess)
    return sess


def remove_panelist(
    db: Session, *, session_id: str, evaluator_id: str, principal: Principal, now: datetime
) -> CalibrationSession:
    """Take someone off the panel; their scores go to the audit, out of every statistic."""
    sess = _editable(db, session_id, principal, now)
    member = next((p for p in sess.panel if p.evaluator_id == evaluator_id), None)
    if member is None:
        raise NotFound("That evaluator is not on the panel.", code="not_on_panel")
    if evaluator_id == sess.expert_id:
        raise InvalidInput("The expert cannot be removed.", code="expert_not_removable")
    mine = list(
        db.scalars(
            select(CalibrationScore).where(
                CalibrationScore.session_id == sess.id,
                CalibrationScore.evaluator_id == evaluator_id,
            )
        )
    )
    conversation = {i.id: i.conversation_id for i in sess.interactions}
    kept = [_score_record(s, conversation) for s in mine]
    db.execute(delete(CalibrationScore).where(CalibrationScore.id.in_([s.id for s in mine])))
    db.delete(member)
    detail = {"evaluatorId": evaluator_id, "kind": member.kind, "scores": kept}
    audit(db, sess, principal, "panelist_removed", detail, now)
    db.refresh(sess)
    return sess


def _score_record(score: CalibrationScore, conversation: dict[str, str]) -> dict[str, Any]:
    return {
        "conversationId": conversation.get(score.interaction_id, ""),
        "totalScore": score.total,
        "answers": score.answers,
        "source": score.source,
        "submittedAt": reveal.aware(score.submitted_at).isoformat(),
    }


def move_deadline(
    db: Session, *, session_id: str, deadline: datetime, principal: Principal, now: datetime
) -> CalibrationSession:
    """Move the deadline (earlier or later, but after now) before the reveal."""
    sess = _editable(db, session_id, principal, now)
    new = reveal.aware(deadline)
    if new <= now:
        raise InvalidInput("The deadline must be in the future.", code="deadline_in_past")
    old = reveal.aware(sess.deadline)
    sess.deadline = new
    detail = {"from": old.isoformat(), "to": new.isoformat()}
    audit(db, sess, principal, "deadline_moved", detail, now)
    return sess


def audit_log(db: Session, *, session_id: str, principal: Principal) -> list[CalibrationAudit]:
    """A session's changes, oldest first (staff only)."""
    if not principal.is_staff:
        raise Forbidden("Only QA staff can read the audit.", code="staff_only")
    visible_session(db, session_id=session_id, principal=principal)
    query = select(CalibrationAudit).where(CalibrationAudit.session_id == session_id)
    return list(db.scalars(query.order_by(CalibrationAudit.at, CalibrationAudit.id)))


def close(db: Session, *, session_id: str, principal: Principal, now: datetime):
    """Reveal now (admin or integration), audited the first time; idempotent."""
    was_open = visible_session(db, session_id=session_id, principal=principal).closed_at is None
    sess = close_now(db, session_id=session_id, principal=principal, now=now)
    if was_open:
        audit(db, sess, principal, "closed", {}, now)
    return sess
