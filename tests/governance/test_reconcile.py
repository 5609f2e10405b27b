"""The periodic jobs against the fake Genesys: reconciliation with deletions, faults, resumption."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from service.db import get_db, utcnow
from service.fakes.genesys_deletions import delete_conversation
from service.governance import reconcile, rules
from service.governance.jobs import PERIODIC, PURGE, RECONCILE, claim_purge
from service.governance.models import GovernanceAudit, GovernanceCursor
from service.jobs import service as jobs
from service.jobs.models import Job
from service.jobs.periodic import enqueue_due
from service.scoring.models import ScoringRequest
from service.sentiment.models import SentimentInteraction
from tests.fixtures_genesys import point_at_fake

from .seed import count, seed


@pytest.fixture
def settings(settings, fake):
    """The shared test settings, pointed at the fake with tiny client backoffs."""
    return point_at_fake(
        settings,
        fake,
        genesys_timeout_seconds=0.5,
        genesys_max_retries=1,
        retry_after_inline_max_seconds=1,
    )


@pytest.fixture
def convs(fake, session):
    """Three real conversations of the fake org, each with everything we hold about one."""
    ids = sorted(fake.org.conversations)[:3]
    for i, cid in enumerate(ids):
        seed(session, f"agent-{i}", cid, f"eval-{i}")
    return ids


def _tick(session, app, settings, kind=RECONCILE):
    """Enqueue the job now (a fresh key each time) and run it; its final job row. The test's
    own session ends its transaction first (on SQLite even a read holds the write lock)."""
    session.rollback()
    with get_db(app).session_scope() as s:
        job, _ = jobs.enqueue(s, kind, {}, key=f"test:{kind}:{utcnow().isoformat()}")
        job_id = job.id
    jobs.drain(app, settings, kinds=[kind])
    with get_db(app).session_scope() as s:
        row = s.get(Job, job_id)
        s.expunge(row)
        return row


def test_periodic_ticks_are_declared_and_enqueued_once_per_slot(session):
    assert {p.kind for p in PERIODIC} == {PURGE, RECONCILE}
    now = utcnow()
    assert enqueue_due(session, now, list(PERIODIC)) == 2
    assert enqueue_due(session, now, list(PERIODIC)) == 0  # a second worker, same slot
    session.commit()


def test_reconciliation_follows_deleted_conversations_and_recordings(
    app, settings, fake, convs, session
):
    gone, no_recording, kept = convs
    control = f"{fake.url}/__fake__/conversations"
    assert requests.post(f"{control}/{gone}/delete", timeout=5).status_code == 200
    assert requests.post(f"{control}/{no_recording}/recordings/delete", timeout=5).ok
    assert requests.post(f"{control}/no-such-id/delete", timeout=5).status_code == 404
    job = _tick(session, app, settings)
    assert job.state == "done", job.last_error
    assert job.result["checked"] == 3 and job.result["sweep_done"] is True
    assert job.result["conversations_deleted"] == 1 and job.result["recordings_deleted"] == 1
    session.expire_all()
    assert count(session, ScoringRequest, conversation_id=gone) == 0
    assert count(session, SentimentInteraction, conversation_id=gone) == 0
    stripped = session.scalar(
        select(ScoringRequest).where(ScoringRequest.conversation_id == no_recording)
    )
    assert stripped.result is None and stripped.percentage == 80.0
    untouched = session.scalar(select(ScoringRequest).where(ScoringRequest.conversation_id == kept))
    assert untouched.result is not None
    audit = session.scalars(select(GovernanceAudit)).all()
    assert {a.reason for a in audit} == {
        "deleted in Genesys: conversation",
        "deleted in Genesys: recording",
    }
    assert not any(gone in (a.subject + a.reason + str(a.ids)) for a in audit)
    # The sweep is done: the next tick within the interval does nothing.
    assert _tick(session, app, settings).result == {"checked": 0, "skipped": "not_due"}


def test_a_429_with_retry_after_loses_nothing_and_resumes(app, settings, fake, convs, session):
    first, second, third = convs
    delete_conversation(fake, first)
    delete_conversation(fake, third)
    # The first conversation's two calls pass; the next call is throttled for 120 s.
    fake.faults.fail_next(1, status=429, pattern=f"/api/v2/conversations/{second}", retry_after=120)
    job = _tick(session, app, settings)
    assert job.state == "queued" and job.attempts == 0  # deferred, no attempt spent
    assert job.run_at > utcnow() + timedelta(seconds=100)
    session.expire_all()
    assert count(session, ScoringRequest, conversation_id=first) == 0  # committed before the 429
    cursor = session.get(GovernanceCursor, "reconcile")
    assert (cursor.position, cursor.holder) == (first, "throttled")
    assert cursor.lease_until > utcnow() + timedelta(seconds=100)  # every worker waits it out
    calls_before = fake.calls_to(f"/api/v2/conversations/{first}*")
    assert _tick(session, app, settings).result == {"checked": 0, "skipped": "throttled"}
    session.rollback()
    with get_db(app).session_scope() as s:  # Retry-After has passed
        s.get(GovernanceCursor, "reconcile").lease_until = utcnow()
    session.rollback()
    with get_db(app).session_scope() as s:
        s.get(Job, job.id).run_at = utcnow()
    session.rollback()
    jobs.drain(app, settings, kinds=[RECONCILE])
    session.expire_all()
    assert count(session, ScoringRequest, conversation_id=third) == 0
    assert count(session, ScoringRequest, conversation_id=second) == 1
    assert fake.calls_to(f"/api/v2/conversations/{first}*") == calls_before  # not asked again
    assert session.get(GovernanceCursor, "reconcile").sweeps == 1


@pytest.mark.parametrize("fault", ["server_error", "slow"])
def test_5xx_or_a_slow_answer_deletes_nothing_and_keeps_the_cursor(
    app, settings, fake, convs, session, fault
):
    if fault == "server_error":
        fake.faults.fail_next(10, status=503, pattern="/api/v2/conversations/*")
    else:
        fake.faults.set_latency(1.5, pattern="/api/v2/conversations/*")  # over the 0.5 s timeout
    job = _tick(session, app, settings)
    assert job.state == "queued" and job.attempts == 1 and "Genesys" in job.last_error
    session.expire_all()
    assert count(session, ScoringRequest) == 3  # a failure is never a deletion
    assert count(session, GovernanceAudit) == 0
    cursor = session.get(GovernanceCursor, "reconcile")
    assert (cursor.position, cursor.holder) == ("", "")
    fake.faults.clear()
    delete_conversation(fake, convs[1])
    session.rollback()
    with get_db(app).session_scope() as s:
        s.get(Job, job.id).run_at = utcnow()
    session.rollback()
    jobs.drain(app, settings, kinds=[RECONCILE])
    session.expire_all()
    assert count(session, ScoringRequest) == 2


def test_small_runs_page_through_the_conversations_by_cursor(app, settings, fake, convs, session):
    settings.governance_reconcile_conversations_per_run = 2
    delete_conversation(fake, convs[2])
    first = _tick(session, app, settings)
    assert (first.result["checked"], first.result.get("sweep_done")) == (2, None)
    second = _tick(session, app, settings)
    assert (second.result["checked"], second.result["sweep_done"]) == (1, True)
    session.expire_all()
    assert count(session, ScoringRequest, conversation_id=convs[2]) == 0
    assert session.get(GovernanceCursor, "reconcile").checked == 3


def test_only_one_worker_holds_the_sweep(app, session):
    now = utcnow()
    reconcile.cursor(session, "reconcile")
    session.commit()
    db = get_db(app)
    with db.session_scope() as a:
        assert reconcile.take_lease(a, "reconcile", "worker-a", now, 60)
    with db.session_scope() as b:
        assert not reconcile.take_lease(b, "reconcile", "worker-b", now, 60)
    with db.session_scope() as b:  # an expired lease (a crashed worker) is taken over
        assert reconcile.take_lease(b, "reconcile", "worker-b", now + timedelta(seconds=61), 60)


def test_the_purge_job_runs_once_per_interval(app, settings, session):
    seed(session, "agent-1", "conv-1", "eval-1", when=utcnow() - timedelta(days=1000))
    job = _tick(session, app, settings, PURGE)
    assert job.state == "done" and job.result["counts"]["llm_payloads"] == 1
    assert _tick(session, app, settings, PURGE).result == {"skipped": "not_due"}
    now = utcnow()
    every = settings.governance_purge_every_seconds
    session.rollback()
    with get_db(app).session_scope() as s:
        assert not claim_purge(s, now + timedelta(seconds=every - 1), every)
    session.rollback()
    with get_db(app).session_scope() as s:
        assert claim_purge(s, now + timedelta(seconds=every + 1), every)
    session.rollback()
    with get_db(app).session_scope() as s:  # the other worker of the same moment
        assert not claim_purge(s, now + timedelta(seconds=every + 1), every)


@pytest.mark.parametrize(
    ("meta", "deleted"),
    [
        ({"fileState": "AVAILABLE"}, False),
        ({"fileState": "DELETED"}, True),
        ({"fileState": "AVAILABLE", "deleteDate": "2026-11-29T12:00:00.000Z"}, True),
        ({"fileState": "AVAILABLE", "deleteDate": "2026-11-30T12:00:00.000Z"}, True),
        ({"fileState": "AVAILABLE", "deleteDate": "2026-12-01T12:00:00.000Z"}, False),
        ({"fileState": "AVAILABLE", "deleteDate": "next week"}, False),
    ],
)
def test_recording_deleted_rule(meta, deleted):
    from datetime import UTC, datetime

    assert rules.recording_deleted(meta, datetime(2026, 11, 30, 12, 0, tzinfo=UTC)) is deleted


@pytest.mark.parametrize(("age", "due"), [(3599, False), (3600, True), (3601, True)])
def test_due_boundary(age, due):
    now = utcnow()
    assert rules.due(now - timedelta(seconds=age), now, 3600) is due
    assert rules.due(None, now, 3600)
