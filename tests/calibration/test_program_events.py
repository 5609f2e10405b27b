"""A program's scheduled session is announced by a ``calibration.scheduled`` webhook event."""

from __future__ import annotations

from sqlalchemy import select

from service.db import get_db
from service.webhooks.models import WebhookEvent
from tests.calibration.helpers import ALICE, BOB
from tests.calibration.test_program_runs import load, spec, tick, utc


def _scheduled(app) -> list[dict]:
    with get_db(app).session_scope() as db:
        rows = db.scalars(
            select(WebhookEvent)
            .where(WebhookEvent.type == "calibration.scheduled")
            .order_by(WebhookEvent.seq)
        )
        return [e.payload for e in rows]


def test_each_created_period_emits_one_scheduled_event(app):
    load(app, utc(2026, 1, 15), spec())
    assert tick(app, utc(2026, 1, 31, 7, 59)) == [] and _scheduled(app) == []
    (made,) = tick(app, utc(2026, 1, 31, 8, 0))
    assert tick(app, utc(2026, 1, 31, 8, 5)) == []  # nothing new: no second event
    (event,) = _scheduled(app)
    assert event["sessionId"] == made["sessionId"]
    assert (event["program"], event["period"], event["expertId"]) == (
        "Team A monthly",
        "2026-01-31",
        "cal-a",
    )
    assert event["panelists"] == sorted(["cal-a", ALICE, BOB])
    assert event["deadline"].startswith("2026-02-07T08:00")
    tick(app, utc(2026, 2, 28, 8, 0))
    assert [e["period"] for e in _scheduled(app)] == ["2026-01-31", "2026-02-28"]
