"""Blindness as pure rules: when a session is revealed and whose scores a viewer may see."""

from __future__ import annotations

from datetime import UTC, datetime


def aware(value: datetime) -> datetime:
    """Treat a naive datetime as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


REVEALED = ("complete", "expired", "closed")


def session_status(
    *, now: datetime, deadline: datetime, closed_at: datetime | None, expected: int, submitted: int
) -> str:
    """``empty`` (nothing to score), ``open`` (blind), or revealed: ``complete``, ``expired``,
    ``closed`` (all scores in; deadline passed; closed early by an admin)."""
    if expected == 0:
        return "empty"
    if submitted >= expected:
        return "complete"
    if closed_at is not None:
        return "closed"
    if now >= deadline:
        return "expired"
    return "open"


def may_see_score(*, viewer_id: str, evaluator_id: str, revealed: bool) -> bool:
    """Before the reveal a panelist sees only their own scores; nobody else sees any."""
    return revealed or (bool(viewer_id) and viewer_id == evaluator_id)
