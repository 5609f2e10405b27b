"""Export kind of the workspace domain: the history of coaches' edits to coaching sessions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from service.exports.kinds.common import INT, S, T
from service.exports.kinds.common import cols as _cols
from service.exports.registry import ExportKind, declare
from service.workspace.models import CoachingSession, SessionEdit


def _source() -> Any:
    return select(SessionEdit, CoachingSession.agent_id).join(
        CoachingSession, SessionEdit.session_id == CoachingSession.id
    )


def _edit(row: Any, _ctx: Any) -> Iterator[dict[str, Any]]:
    edit, agent_id = row[:2]
    yield {
        "edit_id": edit.id,
        "session_id": edit.session_id,
        "agent_id": agent_id,
        "changed_by": edit.changed_by,
        "field": edit.field,
        "old_value": edit.old_value,
        "new_value": edit.new_value,
        "old_length": edit.old_length,
        "new_length": edit.new_length,
        "changed_at": edit.changed_at,
    }


declare(
    ExportKind(
        name="coaching_session_edits",
        description="One row per change a coach made to a coaching session: who, when, what.",
        model=SessionEdit,
        occurred=SessionEdit.changed_at,
        changed=SessionEdit.changed_at,
        source=_source,
        columns=_cols(
            ("edit_id", S, "QM Loop id of the edit."),
            ("session_id", S, "The coaching session changed."),
            ("agent_id", S, "Genesys user id of the session's agent."),
            ("changed_by", S, "Genesys user id of the coach who changed it."),
            (
                "field",
                S,
                "What changed: feedback, action_plan, status, follow_up_on, interaction "
                "(one marked for coaching) or example (a best response added).",
            ),
            ("old_value", S, "Status code or follow-up date before (empty for the others)."),
            (
                "new_value",
                S,
                "Status code or follow-up date after; the id of the marked interaction or "
                "added example (empty for feedback and action plan).",
            ),
            (
                "old_length",
                INT,
                "Feedback or action plan length before, in characters (null for the others). "
                "Their text is never kept in the history.",
            ),
            ("new_length", INT, "Feedback or action plan length after, in characters."),
            ("changed_at", T, "When it changed (UTC); the change cursor's column."),
        ),
        rows=_edit,
        key=("edit_id",),
        filters={
            "agent_id": CoachingSession.agent_id,
            "changed_by": SessionEdit.changed_by,
            "field": SessionEdit.field,
        },
    )
)
