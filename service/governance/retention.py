"""Retention periods and the purge (issue 17 item 2).

Each kind of data has a retention period (``QM_GOVERNANCE_RETENTION_DAYS``, a JSON object of
days per kind; DEFAULT_RETENTION_DAYS otherwise). ``purge`` removes what is older than its period:
a row exactly N days old stays, one a moment older goes. It runs as the periodic job
``governance.purge`` (service/governance/jobs.py) and as ``qmloop purge``; both are batched
(service/governance/batches.py) and safe to run at the same time. Erasure and deletions that
follow Genesys live in service/governance/deletion.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import null, or_, select
from sqlalchemy.orm import Session

from service.coaching.models import CoachingAssignment
from service.db import utcnow
from service.disputes.models import DisputeItem, DisputeRound, Review
from service.disputes.rules import FINAL
from service.governance.batches import Child, Rows, Run, lock_batch, remove, subject_hash
from service.governance.deletion import (  # noqa: F401  (the CLI and older callers use these)
    erase_user,
    forget_conversation,
    forget_evaluation,
)
from service.insights.models import EvaluationAnswer, SectionScore, TrustAlert
from service.jobs.models import Job
from service.scoring.models import ScoringCall, ScoringRequest
from service.sentiment.models import Recognition, SentimentInteraction

__all__ = ["KINDS", "purge", "retention_days", "subject_hash"]

# Days each kind of data is kept.
DEFAULT_RETENTION_DAYS: dict[str, int] = {
    "transcripts": 30,
    "llm_payloads": 90,
    "evidence": 365,
    "sentiment": 90,
    "coaching": 730,
    "disputes": 730,
    "insights": 730,
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


def _rows(kind: str, cutoff: datetime) -> list[Rows]:
    """The rows of ``kind`` older than ``cutoff`` (transcripts are handled apart)."""
    if kind == "llm_payloads":
        return [Rows(kind, ScoringCall, ScoringCall.created_at < cutoff)]
    if kind == "evidence":
        # The score and its review reasons stay (what was written); quotes and bodies go.
        held = or_(
            ScoringRequest.result.is_not(None),
            ScoringRequest.writeback_request.is_not(None),
            ScoringRequest.writeback_response.is_not(None),
        )
        cleared = {"result": null(), "writeback_request": null(), "writeback_response": null()}
        cond = (ScoringRequest.created_at < cutoff) & held
        return [Rows(kind, ScoringRequest, cond, clear=cleared)]
    if kind == "sentiment":
        return [
            Rows(kind, SentimentInteraction, SentimentInteraction.created_at < cutoff),
            Rows(kind, Recognition, Recognition.created_at < cutoff),
        ]
    if kind == "coaching":
        closed = CoachingAssignment.closed_at.is_not(None) & (CoachingAssignment.closed_at < cutoff)
        return [Rows(kind, CoachingAssignment, closed)]
    if kind == "disputes":
        # Finished reviews only: an open dispute is never purged, however old.
        finished = Review.status.in_(FINAL) & Review.finished_at.is_not(None)
        children = (
            Child(kind, DisputeItem, DisputeItem.review_id),
            Child(kind, DisputeRound, DisputeRound.review_id),
        )
        return [Rows(kind, Review, finished & (Review.finished_at < cutoff), children)]
    if kind == "insights":
        # Counted from the evaluation; an open trust alert is never purged, a resolved one ages
        # from its resolution.
        resolved = TrustAlert.resolved_at.is_not(None) & (TrustAlert.resolved_at < cutoff)
        return [
            Rows(kind, SectionScore, SectionScore.evaluated_at < cutoff),
            Rows(kind, EvaluationAnswer, EvaluationAnswer.evaluated_at < cutoff),
            Rows(kind, TrustAlert, resolved),
        ]
    return []


def _purge_transcripts(run: Run, cutoff: datetime) -> None:
    """Inline transcripts in jobs older than ``cutoff`` are removed from the job's payload."""
    after = ""
    while True:
        cond = (Job.created_at < cutoff) & (Job.id > after)
        ids = lock_batch(run.session, Job, cond, run.batch_size)
        if not ids:
            return
        jobs = list(run.session.scalars(select(Job).where(Job.id.in_(ids))))
        held = [j for j in jobs if "transcript" in (j.payload or {})]
        if run.dry_run:
            run.add("transcripts", len(held))
        else:
            for job in held:
                job.payload = {k: v for k, v in job.payload.items() if k != "transcript"}
            run.record("transcripts", len(held), [j.id for j in held])
            run.checkpoint()
        after = ids[-1]


def purge(
    session: Session,
    days: dict[str, int],
    now: datetime | None = None,
    dry_run: bool = False,
    *,
    commit: bool = False,
    batch_size: int = 500,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Remove data older than its retention period; counts per kind.

    ``days``: the periods (``retention_days``); ``commit=True`` commits each batch (jobs and the
    CLI), else the caller commits. ``progress(kind, count)`` is told each kind's total.
    """
    now = now or utcnow()
    run = Run(session, "purge", "", batch_size=batch_size, commit=commit, dry_run=dry_run)
    for kind in KINDS:
        cutoff = now - timedelta(days=days[kind])
        run.reason = f"older than {days[kind]} days"
        run.add(kind, 0)
        if kind == "transcripts":
            _purge_transcripts(run, cutoff)
        for rows in _rows(kind, cutoff):
            remove(run, rows)
        if progress:
            progress(kind, run.counts[kind])
    return {kind: run.counts[kind] for kind in KINDS}
