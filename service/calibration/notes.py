"""Rubric notes: the agreed interpretation of a criterion after a session, versioned."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.auth.rules import Principal
from service.calibration.models import RubricNote
from service.calibration.service import require_staff, visible_session
from service.errors import Conflict, NotFound


def add_rubric_note(
    db: Session,
    *,
    form_id: str,
    question_id: str,
    text: str,
    session_id: str | None,
    principal: Principal,
) -> RubricNote:
    """Record the next version of a criterion's agreed interpretation; raises ``NotFound``."""
    require_staff(principal)
    if session_id is not None:
        visible_session(db, session_id=session_id, principal=principal)
    for _attempt in range(5):
        latest = db.scalar(
            select(func.max(RubricNote.version)).where(
                RubricNote.form_id == form_id, RubricNote.question_id == question_id
            )
        )
        note = RubricNote(
            form_id=form_id,
            question_id=question_id,
            version=(latest or 0) + 1,
            text=text,
            session_id=session_id,
            author=principal.user_id or principal.subject,
        )
        try:
            with db.begin_nested():
                db.add(note)
            return note
        except IntegrityError:
            continue  # a concurrent note took this version number; take the next one
    raise Conflict("Too many concurrent rubric notes; try again.", code="rubric_note_race")


def rubric_notes(db: Session, *, form_id: str, question_id: str | None = None) -> list[RubricNote]:
    """A form's rubric notes (optionally one question's), oldest version first."""
    query = select(RubricNote).where(RubricNote.form_id == form_id)
    if question_id:
        query = query.where(RubricNote.question_id == question_id)
    return list(db.scalars(query.order_by(RubricNote.question_id, RubricNote.version)))


def hidden_sessions(db: Session, found: list[RubricNote], principal: Principal) -> set[str]:
    """Session ids of ``found`` notes the caller may not open (another division's session):
    the note's text is the org's agreed reading of a criterion, its session is not theirs."""
    hidden: set[str] = set()
    if not principal.division_scoped:
        return hidden
    for session_id in {n.session_id for n in found if n.session_id}:
        try:
            visible_session(db, session_id=session_id, principal=principal)
        except NotFound:
            hidden.add(session_id)
    return hidden
