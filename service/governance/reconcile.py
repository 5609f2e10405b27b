"""Reconciliation with Genesys: follow conversations and recordings deleted there.

Genesys sends no event we receive when a conversation or a recording is deleted. The
reconciliation walks the conversation ids QM Loop holds (``deletion.held_conversations``, in id
order) and asks Genesys about each: ``GET /api/v2/conversations/{id}`` (404: the conversation is
gone) and ``GET /api/v2/conversations/{id}/recordingmetadata`` (metadata only, no media; a
recording whose ``fileState`` is ``DELETED`` or whose ``deleteDate`` has passed is gone). Both go
through the Genesys client, so they spend its shared request budget, wait out its 429s and retry
its 5xx; a run checks at most ``conversations_per_run`` conversations.

Progress is a cursor (GovernanceCursor ``reconcile``: the last id checked) committed after every
conversation, with that conversation's deletions: a 429, a 5xx or a timeout stops the run with
nothing lost, and the next run (the job's retry after Retry-After, or the next tick) resumes
after the cursor. A lease on the cursor row keeps two workers from sweeping at once, and during a
429's Retry-After nobody sweeps (the lease is held by ``throttled`` until then). Only a 404
deletes anything; any other answer leaves the conversation as it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import update
from sqlalchemy.orm import Session

from service.db import insert_or_ignore, utcnow
from service.genesys.api import GenesysApi, GenesysError, GenesysNotFound, GenesysUnavailable
from service.governance import rules
from service.governance.deletion import forget_conversation, forget_recording, held_conversations
from service.governance.models import GovernanceCursor

log = logging.getLogger("qmloop.governance")

RECONCILE = "reconcile"


@dataclass
class Outcome:
    """What one run did: conversations checked, deleted, recordings deleted, skipped."""

    checked: int = 0
    conversations_deleted: int = 0
    recordings_deleted: int = 0
    unreadable: int = 0  # Genesys refused (403...): left as is, checked again next sweep
    sweep_done: bool = False
    skipped: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The job result."""
        return {k: v for k, v in self.__dict__.items() if v or k == "checked"}


def cursor(session: Session, name: str) -> GovernanceCursor:
    """The cursor row ``name``, created on first use."""
    insert_or_ignore(
        session,
        GovernanceCursor,
        {
            "name": name,
            "position": "",
            "sweeps": 0,
            "checked": 0,
            "holder": "",
            "updated_at": utcnow(),
        },
    )
    row = session.get(GovernanceCursor, name, populate_existing=True)
    assert row is not None
    return row


def take_lease(session: Session, name: str, holder: str, now: datetime, seconds: int) -> bool:
    """Hold cursor ``name`` for ``seconds`` unless someone else holds it; True when taken.

    One UPDATE decides (a row lock on PostgreSQL, the write lock on SQLite); the caller commits.
    """
    free = (GovernanceCursor.lease_until.is_(None)) | (GovernanceCursor.lease_until < now)
    mine = GovernanceCursor.holder == holder
    result = session.execute(
        update(GovernanceCursor)
        .where(GovernanceCursor.name == name, free | mine)
        .values(holder=holder, lease_until=now + timedelta(seconds=seconds))
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


THROTTLED = "throttled"  # the holder while Genesys's Retry-After runs: every worker waits


def release(session: Session, name: str, holder: str, pause_until: datetime | None = None) -> None:
    """Give cursor ``name`` back (only if ``holder`` still holds it); with ``pause_until`` (a
    429's Retry-After) nobody takes it before then. The caller commits."""
    values: dict[str, Any] = {"holder": "", "lease_until": None}
    if pause_until is not None:
        values = {"holder": THROTTLED, "lease_until": pause_until}
    session.execute(
        update(GovernanceCursor)
        .where(GovernanceCursor.name == name, GovernanceCursor.holder == holder)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def check(genesys: GenesysApi, conversation_id: str, now: datetime) -> str:
    """``gone``, ``recording_deleted``, ``present`` or ``unreadable`` (two budgeted requests).

    Raises ``GenesysUnavailable`` (429, 5xx, timeouts after the client's retries).
    """
    path = f"/api/v2/conversations/{quote(conversation_id, safe='')}"
    try:
        genesys.request("GET", path)
        recordings = genesys.request("GET", f"{path}/recordingmetadata") or []
    except GenesysNotFound:
        return "gone"
    except GenesysError as exc:
        log.warning("reconcile: Genesys refused a conversation: %s", exc.detail)
        return "unreadable"
    if any(rules.recording_deleted(r, now) for r in recordings if isinstance(r, dict)):
        return "recording_deleted"
    return "present"


def _apply(session: Session, outcome: Outcome, state: str, conversation_id: str) -> None:
    counts: dict[str, int] = {}
    if state == "gone":
        counts = forget_conversation(session, conversation_id)
        outcome.conversations_deleted += 1
    elif state == "recording_deleted":
        counts = forget_recording(session, conversation_id)
        outcome.recordings_deleted += int(any(counts.values()))
    elif state == "unreadable":
        outcome.unreadable += 1
    for kind, n in counts.items():
        outcome.counts[kind] = outcome.counts.get(kind, 0) + n


def run(
    session: Session,
    genesys: GenesysApi,
    *,
    holder: str,
    every_seconds: int,
    per_run: int,
    lease_seconds: int,
    now: datetime | None = None,
) -> Outcome:
    """One run of the sweep: due (a sweep under way, or the last one ended ``every_seconds``
    ago), leased, at most ``per_run`` conversations, committed conversation by conversation.

    Raises ``GenesysUnavailable`` after committing what was done and releasing the lease.
    """
    now = now or utcnow()
    outcome = Outcome()
    row = cursor(session, RECONCILE)
    if not row.position and not rules.due(row.last_run_at, now, every_seconds):
        outcome.skipped = "not_due"
        return outcome
    if not take_lease(session, RECONCILE, holder, now, lease_seconds):
        session.rollback()
        outcome.skipped = THROTTLED if row.holder == THROTTLED else "running_elsewhere"
        return outcome
    session.commit()
    pause: datetime | None = None
    try:
        _sweep(session, genesys, outcome, per_run, now, (holder, lease_seconds))
    except GenesysUnavailable as exc:
        if exc.throttled and exc.retry_after:
            pause = utcnow() + timedelta(seconds=exc.retry_after)
        raise
    finally:
        session.rollback()  # a half-applied conversation, if any; done ones are committed
        release(session, RECONCILE, holder, pause)
        session.commit()
    return outcome


def _sweep(
    session: Session,
    genesys: GenesysApi,
    outcome: Outcome,
    per_run: int,
    now: datetime,
    lease: tuple[str, int],
) -> None:
    row = cursor(session, RECONCILE)
    ids = held_conversations(session, row.position, per_run)
    session.commit()  # no transaction (on SQLite: no write lock) while Genesys is asked
    for conversation_id in ids:
        state = check(genesys, conversation_id, now)  # GenesysUnavailable: stop here
        _apply(session, outcome, state, conversation_id)
        row = cursor(session, RECONCILE)
        row.position, row.checked = conversation_id, row.checked + 1
        outcome.checked += 1
        take_lease(session, RECONCILE, lease[0], utcnow(), lease[1])  # renewed as it goes
        session.commit()
    if len(ids) < per_run:
        row = cursor(session, RECONCILE)
        row.position, row.sweeps, row.last_run_at = "", row.sweeps + 1, now
        outcome.sweep_done = True
        session.commit()


__all__ = ["GenesysUnavailable", "Outcome", "check", "run"]
