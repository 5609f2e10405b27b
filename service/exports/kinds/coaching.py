"""Export kind of coaching assignments and their lifecycle."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from service.coaching.models import CoachingAssignment
from service.exports.kinds.common import INT, D, N, S, T
from service.exports.kinds.common import cols as _cols
from service.exports.registry import ExportKind, declare

# --- coaching ----------------------------------------------------------------------------------


def _assignment(a: Any, _ctx: Any) -> Iterator[dict[str, Any]]:
    yield {
        "assignment_id": a.id,
        "evaluation_id": a.evaluation_id,
        "evaluation_version": a.evaluation_version,
        "agent_id": a.agent_id,
        "conversation_id": a.conversation_id,
        "form_id": a.form_id,
        "section_id": a.section_id,
        "section_name": a.section_name,
        "percentage": a.percentage,
        "module_id": a.module_id,
        "evaluation_date": a.evaluation_date,
        "due_date": a.due_date,
        "trigger": a.trigger,
        "status": a.status,
        "close_reason": a.close_reason,
        "target": a.target,
        "delivery_state": a.delivery_state,
        "external_id": a.external_id,
        "created_at": a.created_at,
        "delivered_at": a.delivered_at,
        "started_at": a.started_at,
        "closed_at": a.closed_at,
        "changed_at": a.updated_at,
    }


_ASSIGNMENT_FIELDS = [
    "id",
    "evaluation_id",
    "evaluation_version",
    "agent_id",
    "conversation_id",
    "form_id",
    "section_id",
    "section_name",
    "percentage",
    "module_id",
    "evaluation_date",
    "due_date",
    "trigger",
    "status",
    "close_reason",
    "target",
    "delivery_state",
    "external_id",
    "created_at",
    "delivered_at",
    "started_at",
    "closed_at",
    "updated_at",
]


def _assignments_source() -> Any:
    # Plain columns, not entities: a million-row export skips building ORM objects.
    return select(*(getattr(CoachingAssignment, name) for name in _ASSIGNMENT_FIELDS))


declare(
    ExportKind(
        name="coaching_assignments",
        source=_assignments_source,
        description="One row per coaching assignment with its lifecycle (assigned ... closed).",
        model=CoachingAssignment,
        occurred=CoachingAssignment.created_at,
        changed=CoachingAssignment.updated_at,
        columns=_cols(
            ("assignment_id", S, "QM Loop coaching assignment id."),
            ("evaluation_id", S, "Genesys evaluation that triggered it."),
            ("evaluation_version", INT, "Genesys evaluation version (0 when not given)."),
            ("agent_id", S, "Genesys user id of the coached agent."),
            ("conversation_id", S, "Genesys conversation id (empty when not given)."),
            ("form_id", S, "Evaluation form id."),
            ("section_id", S, "Weakest section (question group) id."),
            ("section_name", S, "Weakest section name."),
            (
                "percentage",
                N,
                "Section score in percent that triggered coaching; null when unknown.",
            ),
            ("module_id", S, "Coaching/learning module mapped to the section."),
            ("evaluation_date", D, "Date of the evaluation; null when unknown."),
            ("due_date", D, "Due date of the coaching."),
            ("trigger", S, "What created it: data_action, event, scoring, ..."),
            ("status", S, "open, completed or cancelled."),
            (
                "close_reason",
                S,
                "Why the system closed it (e.g. evaluation_retracted); empty when a person did.",
            ),
            (
                "target",
                S,
                "Where it was delivered: local, genesys_learning, genesys_workitem, "
                "genesys_coaching_appointment or lms_webhook.",
            ),
            ("delivery_state", S, "pending, delivered, failed or local."),
            ("external_id", S, "Id of the item in the target system (empty for local)."),
            ("created_at", T, "When it was assigned (UTC)."),
            ("delivered_at", T, "When the target accepted it (UTC); null until then."),
            ("started_at", T, "When the agent started it (UTC); null until then."),
            ("closed_at", T, "When it was completed or cancelled (UTC); null while open."),
            ("changed_at", T, "Last change of the row (UTC); the change cursor's column."),
        ),
        rows=_assignment,
        key=("assignment_id",),
        filters={
            "agent_id": CoachingAssignment.agent_id,
            "status": CoachingAssignment.status,
            "form_id": CoachingAssignment.form_id,
            "target": CoachingAssignment.target,
        },
    )
)
