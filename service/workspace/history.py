"""The audit trail of coaches' edits to a coaching session: who changed what, and when.

What is kept (``models.SessionEdit``): the field, the coach, the time; values for status and
follow-up date; lengths, never text, for feedback and action plan; the row id of a marked
interaction or an added example. So the history holds no personal content beyond what the
session itself holds, and goes when the session goes.

Who sees it: whoever may open the session (``service.visible``). Coaches and admins see every
edit of the sessions they may open; an agent sees the history of their own session only (what
changed and when, by whom), which tells them that feedback they acknowledged was changed since.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db import utcnow
from service.workspace import rules
from service.workspace.models import CoachingSession, SessionEdit


def record(
    db: Session,
    sess: CoachingSession,
    actor: str,
    changes: Iterable[rules.Change],
    now: datetime | None = None,
) -> list[SessionEdit]:
    """Add one history row per change (same time for one save); returns them (flushed)."""
    when = now or utcnow()
    rows = [
        SessionEdit(
            session_id=sess.id,
            changed_by=actor,
            field=c.field,
            old_value=c.old_value,
            new_value=c.new_value,
            old_length=c.old_length,
            new_length=c.new_length,
            changed_at=when,
        )
        for c in changes
    ]
    db.add_all(rows)
    db.flush()
    return rows


def added(db: Session, sess: CoachingSession, actor: str, field: str, row_id: str) -> None:
    """Record that ``actor`` added a row (``interaction`` or ``example``) to the session."""
    record(db, sess, actor, [rules.Change(field, new_value=row_id)])


def of_session(db: Session, session_id: str) -> list[SessionEdit]:
    """The session's edits, newest first."""
    stmt = (
        select(SessionEdit)
        .where(SessionEdit.session_id == session_id)
        .order_by(SessionEdit.changed_at.desc(), SessionEdit.field)
    )
    return list(db.scalars(stmt))


def change_of(edit: SessionEdit) -> rules.Change:
    """The change a history row records."""
    return rules.Change(
        edit.field, edit.old_value, edit.new_value, edit.old_length, edit.new_length
    )
