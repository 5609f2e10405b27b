"""Pure rules of coaching sessions: statuses (seed 004), overdue follow-ups, list sorting."""

from __future__ import annotations

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
