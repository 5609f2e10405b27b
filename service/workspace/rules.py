"""Pure rules of coaching sessions: statuses (seed 004), overdue follow-ups, list sorting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Status codes and the labels the pages show (seed 004; SPEC.md section 9).
STATUS_LABELS: dict[str, str] = {
    "assigned": "Assigned",
    "in_progress": "In progress",
    "pending_agent_review": "Pending Agent Review",
    "pending_supervisor_review": "Pending Supervisor Review",
    "completed": "Completed",
    "cancelled": "Cancelled",
}
CLOSED = frozenset({"completed", "cancelled"})
OPEN = frozenset(STATUS_LABELS) - CLOSED
# Columns the "My coaching" list sorts by (query ``sort``), each with its default order.
SORTS: dict[str, str] = {"assigned": "desc", "follow_up": "asc", "name": "asc", "status": "asc"}


def status_from_assignment(assignment_status: str, started: bool) -> str:
    """The session status of an automated assignment: open -> Assigned (In progress once the
    agent started it), completed -> Completed, cancelled -> Cancelled."""
    if assignment_status == "completed":
        return "completed"
    if assignment_status == "cancelled":
        return "cancelled"
    return "in_progress" if started else "assigned"


def is_overdue(follow_up_on: date | None, status: str, today: date) -> bool:
    """True when an open session's follow-up date has passed (the day itself is not overdue)."""
    return follow_up_on is not None and status in OPEN and follow_up_on < today


def after_acknowledge(status: str) -> str:
    """An agent's acknowledgement moves an Assigned session to In progress; others keep theirs."""
    return "in_progress" if status == "assigned" else status


def review_status(current: str, review: str | None) -> str:
    """The session status once the review state of its evaluations is known (seed 004).

    ``review`` is ``pending_agent_review``, ``pending_supervisor_review`` or None (nothing
    pending). A pending review shows on an open session; closed sessions keep their status, and a
    session whose review ended goes back to In progress.
    """
    if current in CLOSED:
        return current
    if review in ("pending_agent_review", "pending_supervisor_review"):
        return review
    if current in ("pending_agent_review", "pending_supervisor_review"):
        return "in_progress"
    return current


def parse_areas(text: str) -> list[str]:
    """Coaching areas from a comma-separated field: trimmed, de-duplicated, order kept."""
    seen: dict[str, None] = {}
    for part in text.split(","):
        name = " ".join(part.split())[:80]
        if name and name.lower() not in {k.lower() for k in seen}:
            seen[name] = None
    return list(seen)


# What a coach's edit can touch (the audit trail, ``models.SessionEdit.field``), as pages say it.
EDIT_FIELDS: dict[str, str] = {
    "feedback": "Feedback",
    "action_plan": "Action plan",
    "status": "Status",
    "follow_up_on": "Follow-up date",
    "interaction": "Interaction marked for coaching",
    "example": "Best response example",
}
TEXT_FIELDS = ("feedback", "action_plan")  # recorded by length only, never their text
VALUE_FIELDS = ("status", "follow_up_on")  # recorded with both values


@dataclass(frozen=True)
class Change:
    """One field's change: values for status and dates, lengths for free text."""

    field: str
    old_value: str = ""
    new_value: str = ""
    old_length: int | None = None
    new_length: int | None = None


def _text(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def plan_changes(before: dict[str, object], after: dict[str, object]) -> list[Change]:
    """The changes from ``before`` to ``after`` (field -> value; fields absent from ``after``
    are unchanged), in ``EDIT_FIELDS`` order. Text is compared, never kept: only lengths."""
    changes = []
    for field in (*TEXT_FIELDS, *VALUE_FIELDS):
        if field not in after or _text(before.get(field)) == _text(after[field]):
            continue
        old, new = _text(before.get(field)), _text(after[field])
        if field in TEXT_FIELDS:
            changes.append(Change(field, old_length=len(old), new_length=len(new)))
        else:
            changes.append(Change(field, old_value=old, new_value=new))
    return sorted(changes, key=lambda c: list(EDIT_FIELDS).index(c.field))


def describe_change(change: Change) -> str:
    """One line for the history table, e.g. "Status: Assigned → In progress"."""
    label = EDIT_FIELDS.get(change.field, change.field)
    if change.field in TEXT_FIELDS:
        return f"{label} changed ({change.old_length} → {change.new_length} characters)"
    if change.field == "status":
        old = STATUS_LABELS.get(change.old_value, change.old_value)
        return f"{label}: {old} → {STATUS_LABELS.get(change.new_value, change.new_value)}"
    if change.field == "follow_up_on":
        return f"{label}: {change.old_value or '—'} → {change.new_value or '—'}"
    return f"{label} added"
