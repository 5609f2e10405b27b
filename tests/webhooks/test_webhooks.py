"""Outbound webhooks on SQLite and PostgreSQL: outbox, signed at-least-once delivery, replay."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from service.db import get_db, utcnow
from service.jobs.models import Job
from service.jobs.service import drain
from service.settings import Settings, WebhookSubscription
from service.webhooks import service
from service.webhooks.models import WebhookEvent
from tests.conftest import basic_header
from tests.exports.helpers import assign
from tests.webhooks.receiver import Receiver, free_port

SECRET = "whsec-test"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver(free_port(), SECRET)
    yield rec
    rec.stop()


@pytest.fixture
def settings(settings: Settings, receiver: Receiver) -> Settings:
    """One subscription to every event; retries wait (the test moves the clock), 0.3 s timeout."""
    return settings.model_copy(
        update={
            "webhook_subscriptions": [
                WebhookSubscription(name="bi", url=receiver.url, secret=SECRET)
            ],
            "webhook_timeout_seconds": 0.3,
            "webhook_max_attempts": 10,
            "job_backoff_seconds": ["1000"],
        }
    )


def _time_passes(app) -> None:
    """Make every waiting retry due now (instead of sleeping through the backoff)."""
    with get_db(app).session_scope() as s:
        s.execute(update(Job).where(Job.state == "queued").values(run_at=utcnow()))


def _states(app) -> Counter[str]:
    with get_db(app).session_scope() as s:
        rows = s.execute(select(Job.state, Job.kind).where(Job.kind.like("webhooks.%"))).all()
    return Counter(f"{kind}:{state}" for state, kind in rows)


def _event_ids(app) -> set[str]:
    with get_db(app).session_scope() as s:
        return set(s.scalars(select(WebhookEvent.id)))


def test_every_event_arrives_once_the_receiver_recovers(app, client, settings, receiver):
    ids = assign(client, 3)  # three coaching.assigned
    resp = client.post(
        f"/api/v1/assignments/{ids[0]}/status", json={"status": "completed"}, headers=basic_header()
    )
    assert resp.status_code == 200  # and one coaching.completed
    events = _event_ids(app)
    assert len(events) == 4

    drain(app, settings)  # receiver down: connection refused
    assert _states(app)["webhooks.deliver:queued"] == 4 and receiver.received == []

    receiver.start()
    receiver.mode = "error"
    _time_passes(app)
    drain(app, settings)
    assert _states(app)["webhooks.deliver:queued"] == 4 and len(receiver.received) == 4

    receiver.mode = "slow"  # it takes the body in, but answers after our timeout
    _time_passes(app)
    drain(app, settings)
    assert _states(app)["webhooks.deliver:queued"] == 4

    receiver.mode = "ok"
    _time_passes(app)
    drain(app, settings)
    assert _states(app) == Counter({"webhooks.dispatch:done": 4, "webhooks.deliver:done": 4})

    ok = [r for r in receiver.received if r["mode"] == "ok"]
    assert {r["id"] for r in ok} == events  # none lost
    assert all(r["signed"] for r in receiver.received)
    seen = Counter(r["id"] for r in receiver.received if r["mode"] in ("slow", "ok"))
    assert set(seen.values()) == {2}  # duplicates of the timed-out attempts ...
    for r in receiver.received:  # ... identifiable by the event id in the header and the body
        assert json.loads(r["body"])["id"] == r["id"]
    types = Counter(json.loads(r["body"])["type"] for r in ok)
    assert types == {"coaching.assigned": 3, "coaching.completed": 1}


def test_redirects_are_not_followed_and_dead_letter(app, client, settings, receiver):
    receiver.start()
    receiver.mode = "redirect"
    assign(client, 1)
    drain(app, settings)
    assert [r["path"] for r in receiver.received] == ["/hooks"]  # never /elsewhere
    assert _states(app)["webhooks.deliver:dead"] == 1

    receiver.mode = "ok"  # fixed on their side: replay the event by id, same event id
    (event_id,) = _event_ids(app)
    with get_db(app).session_scope() as s:
        assert service.replay(s, settings, event_id=event_id) == (1, 1)
    drain(app, settings)
    assert receiver.received[-1]["id"] == event_id and receiver.received[-1]["mode"] == "ok"


def test_the_event_is_written_with_the_change_or_not_at_all(app, settings):
    db = get_db(app)
    with app.app_context():  # as in a request or a job: the subscriptions are the app's
        s = db.sessionmaker()
        service.emit(s, "recognition.given", {"agentId": "a1"})
        s.rollback()
        s.close()
        with db.session_scope() as s:
            assert s.scalar(select(func.count()).select_from(WebhookEvent)) == 0
            assert s.scalar(select(func.count()).select_from(Job)) == 0
        with db.session_scope() as s:
            service.emit(s, "recognition.given", {"agentId": "a1"})
        with db.session_scope() as s:
            assert s.scalar(select(func.count()).select_from(WebhookEvent)) == 1
            assert s.scalar(select(func.count()).select_from(Job)) == 1


def test_unknown_event_type_is_a_programming_error(app):
    with get_db(app).session_scope() as s, pytest.raises(ValueError):
        service.emit(s, "coaching.exploded", {})


def test_subscriptions_filter_by_type_and_no_subscription_keeps_only_the_outbox(app, settings):
    only = settings.model_copy(
        update={
            "webhook_subscriptions": [
                WebhookSubscription(
                    name="lms", url="http://127.0.0.1:9/x", secret="s", events=["coaching.assigned"]
                )
            ]
        }
    )
    app.config["QM_SETTINGS"] = only
    with app.app_context(), get_db(app).session_scope() as s:
        service.emit(s, "calibration.revealed", {"sessionId": "x"})
        assert s.scalar(select(func.count()).select_from(Job)) == 0  # nobody wants it
        service.emit(s, "coaching.assigned", {"assignmentId": "y"})
        assert s.scalar(select(func.count()).select_from(Job)) == 1


def test_replay_window_and_cli(app, client, settings, receiver, monkeypatch):
    receiver.start()
    assign(client, 2)
    drain(app, settings)
    assert len(receiver.received) == 2
    monkeypatch.setattr("service.cli._app_and_settings", lambda migrate=False: (app, settings))
    from service.cli import main

    today = datetime.now(UTC).date()
    window = [
        "--from",
        (today - timedelta(days=1)).isoformat(),
        "--to",
        (today + timedelta(days=1)).isoformat(),
    ]
    result = CliRunner().invoke(main, ["events", "replay", *window])
    assert result.exit_code == 0, result.output
    assert "queued 2 deliveries of 2 events" in result.output
    drain(app, settings)
    counts = Counter(r["id"] for r in receiver.received)
    assert set(counts.values()) == {2}  # the same event ids again
    assert CliRunner().invoke(main, ["events", "replay"]).exit_code == 2
    bad = CliRunner().invoke(main, ["events", "replay", "--id", "no-such-event"])
    assert bad.exit_code == 1 and "No event" in bad.output


def test_calibration_reveal_and_scoring_emit(app, client, settings):
    from tests.calibration import helpers as cal
    from tests.exports.helpers import scorings

    sess = cal.create(client, settings)
    admin = cal.people(settings)["admin"]
    assert client.post(f"{cal.BASE}/sessions/{sess['id']}/close", headers=admin).status_code == 200
    assert client.post(f"{cal.BASE}/sessions/{sess['id']}/close", headers=admin).status_code == 200
    scorings(app, 1)  # direct inserts do not go through scoring.record: no event
    with get_db(app).session_scope() as s:
        types = Counter(s.scalars(select(WebhookEvent.type)))
    assert types == {"calibration.revealed": 1}  # closing twice reveals once
