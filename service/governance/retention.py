"""Retention, erasure and Genesys-driven deletion of what QM Loop holds (issue 17 item 2).

Each kind of data has a retention period (``QM_GOVERNANCE_RETENTION_DAYS``, a JSON object of
days per kind; DEFAULT_RETENTION_DAYS otherwise). ``purge`` removes what is older; ``erase_user``
removes everything about one person; ``forget_conversation`` / ``forget_evaluation`` follow a
deletion in Genesys. Every run writes GovernanceAudit rows: action, kind, count and a hash of the
subject, never the personal content itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from service.coaching.models import ArchiveTask, CoachingAgent, CoachingAssignment
from service.db import utcnow
from service.governance.models import GovernanceAudit
from service.jobs.models import Job
from service.scoring.models import ScoringCall, ScoringRequest
from service.sentiment.models import Recognition, SentimentInteraction, SentimentSession

# Days; "disputes" applies once the disputes domain stores history (issue 14).
DEFAULT_RETENTION_DAYS: dict[str, int] = {
    "transcripts": 30,
    "llm_payloads": 90,
    "evidence": 365,
    "sentiment": 90,
    "coaching": 730,
    "disputes": 730,
}
KINDS = tuple(DEFAULT_RETENTION_DAYS)


def retention_days(overrides: dict[str, int]) -> dict[str, int]:
    """Defaults with the settings' overrides; raises ``ValueError`` on an unknown kind or < 1."""
    unknown = sorted(set(overrides) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown retention kind(s) {unknown}; known: {list(KINDS)}")
    bad = sorted(k for k, v in overrides.items() if v < 1)
    if bad:
        raise ValueError(f"retention days must be >= 1: {bad}")
    return {**DEFAULT_RETENTION_DAYS, **overrides}


def subject_hash(value: str) -> str:
    """What the audit keeps of a subject: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(value.encode()).hexdigest()[:16] if value else ""


@dataclass(frozen=True)
class Target:
    """One kind of rows: how to count and remove those matching a condition."""

    kind: str
    model: Any
    anonymize: dict[str, Any] | None = None  # None: delete the rows


def _targets_by(column: str) -> list[tuple[Target, Any]]:
    """(target, condition column) for every table carrying ``column``."""
    tables = [
        (Target("evidence", ScoringRequest), ScoringRequest),
        (Target("coaching", CoachingAssignment), CoachingAssignment),
        (Target("coaching", ArchiveTask), ArchiveTask),
        (Target("coaching", CoachingAgent), CoachingAgent),
        (Target("sentiment", SentimentInteraction), SentimentInteraction),
        (Target("sentiment", Recognition), Recognition),
        (Target("sentiment", SentimentSession), SentimentSession),
    ]
    return [(t, getattr(m, column)) for t, m in tables if hasattr(m, column)]


def _audit(session: Session, action: str, kind: str, subject: str, count: int, reason: str) -> None:
    session.add(
        GovernanceAudit(
            action=action, kind=kind, subject=subject_hash(subject), count=count, reason=reason
        )
    )


def _remove_where(
    session: Session, pairs: list[tuple[Target, Any]], value: str, dry_run: bool
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for target, column in pairs:
        n = session.scalar(select(func.count()).select_from(target.model).where(column == value))
        counts[target.kind] = counts.get(target.kind, 0) + int(n or 0)
        if n and not dry_run:
            if target.model is ScoringRequest:
                ids = select(ScoringRequest.id).where(column == value)
                calls = session.scalar(
                    select(func.count())
                    .select_from(ScoringCall)
                    .where(ScoringCall.request_id.in_(ids))
                )
                counts["llm_payloads"] = counts.get("llm_payloads", 0) + int(calls or 0)
                session.execute(delete(ScoringCall).where(ScoringCall.request_id.in_(ids)))
            session.execute(delete(target.model).where(column == value))
    return counts


def erase_user(session: Session, user_id: str, dry_run: bool = False) -> dict[str, int]:
    """Everything held about one agent (by Genesys user id): counts per kind, removed unless dry.

    Audit rows record the action with the hashed id; the caller commits.
    """
    counts = _remove_where(session, _targets_by("agent_id"), user_id, dry_run)
    if not dry_run:
        for kind, n in counts.items():
            _audit(session, "erase", kind, user_id, n, "erasure request")
    return counts


def forget_conversation(
    session: Session, conversation_id: str, dry_run: bool = False
) -> dict[str, int]:
    """Follow a conversation or recording deleted in Genesys: rows of that conversation go."""
    counts = _remove_where(session, _targets_by("conversation_id"), conversation_id, dry_run)
    if not dry_run:
        for kind, n in counts.items():
            _audit(session, "forget", kind, conversation_id, n, "deleted in Genesys: conversation")
    return counts


def forget_evaluation(
    session: Session, evaluation_id: str, dry_run: bool = False
) -> dict[str, int]:
    """Follow an evaluation deleted in Genesys: its scoring result and coaching records go."""
    counts = _remove_where(session, _targets_by("evaluation_id"), evaluation_id, dry_run)
    if not dry_run:
        for kind, n in counts.items():
            _audit(session, "forget", kind, evaluation_id, n, "deleted in Genesys: evaluation")
    return counts


def forget_scoring(session: Session, evaluation_id: str) -> int:
    """Remove the scoring request (evidence, LLM payloads) behind an evaluation deleted in
    Genesys; coaching settles its own assignments (service/coaching/withdraw.py). The count."""
    target = [(Target("evidence", ScoringRequest), ScoringRequest.evaluation_id)]
    counts = _remove_where(session, target, evaluation_id, dry_run=False)
    for kind, n in counts.items():
        if n:
            _audit(session, "forget", kind, evaluation_id, n, "deleted in Genesys: evaluation")
    return sum(counts.values())


def _purge_transcripts(session: Session, cutoff: datetime, dry_run: bool) -> int:
    rows = [
        j
        for j in session.scalars(select(Job).where(Job.created_at < cutoff))
        if "transcript" in j.payload
    ]
    if not dry_run:
        for job in rows:
            job.payload = {k: v for k, v in job.payload.items() if k != "transcript"}
    return len(rows)


def _purge_delete(model: Any, column: Any) -> Callable[[Session, datetime, bool], int]:
    def run(session: Session, cutoff: datetime, dry_run: bool) -> int:
        n = int(session.scalar(select(func.count()).select_from(model).where(column < cutoff)) or 0)
        if n and not dry_run:
            session.execute(delete(model).where(column < cutoff))
        return n

    return run


def _purge_evidence(session: Session, cutoff: datetime, dry_run: bool) -> int:
    cond = (ScoringRequest.created_at < cutoff) & ScoringRequest.result.is_not(None)
    n = int(session.scalar(select(func.count()).select_from(ScoringRequest).where(cond)) or 0)
    if n and not dry_run:
        # The score and its reasons stay (the audit of what was written); quotes go.
        session.execute(update(ScoringRequest).where(cond).values(result=None))
    return n


def _purge_coaching(session: Session, cutoff: datetime, dry_run: bool) -> int:
    cond = CoachingAssignment.closed_at.is_not(None) & (CoachingAssignment.closed_at < cutoff)
    n = int(session.scalar(select(func.count()).select_from(CoachingAssignment).where(cond)) or 0)
    if n and not dry_run:
        session.execute(delete(CoachingAssignment).where(cond))
    return n


PURGERS: dict[str, list[Callable[[Session, datetime, bool], int]]] = {
    "transcripts": [_purge_transcripts],
    "llm_payloads": [_purge_delete(ScoringCall, ScoringCall.created_at)],
    "evidence": [_purge_evidence],
    "sentiment": [
        _purge_delete(SentimentInteraction, SentimentInteraction.created_at),
        _purge_delete(Recognition, Recognition.created_at),
    ],
    "coaching": [_purge_coaching],
    "disputes": [],  # no dispute history stored on this branch yet
}


def purge(
    session: Session, days: dict[str, int], now: datetime | None = None, dry_run: bool = False
) -> dict[str, int]:
    """Remove data older than its retention period; counts per kind. The caller commits."""
    now = now or utcnow()
    counts: dict[str, int] = {}
    for kind in KINDS:
        cutoff = now - timedelta(days=days[kind])
        counts[kind] = sum(p(session, cutoff, dry_run) for p in PURGERS[kind])
        if counts[kind] and not dry_run:
            _audit(session, "purge", kind, "", counts[kind], f"older than {days[kind]} days")
    return counts
