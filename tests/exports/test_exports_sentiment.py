"""Sentiment and recognition exports match the sentiment domain's own reports; kudos emit events."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select

from service.db import get_db
from service.exports.catalog import get_kind
from service.webhooks.models import WebhookEvent
from tests.conftest import basic_header
from tests.exports.helpers import load_csv

CALLS = [
    ("c1", "agent-1", 0.95),  # kudos
    ("c2", "agent-2", 0.97),  # kudos
    ("c3", "agent-1", 0.96),  # same agent, same day: no second kudos
    ("c4", "agent-3", 0.10),  # neither
]


def _export(client, kind: str) -> bytes:
    resp = client.get(f"/api/v1/exports/{kind}", headers=basic_header())
    assert resp.status_code == 200
    return resp.get_data()


def test_sentiment_and_recognitions_round_trip(app, client):
    for conversation, agent, customer in CALLS:
        body = {
            "conversationId": conversation,
            "agentId": agent,
            "customerScore": customer,
            "agentScore": 0.2,
        }
        resp = client.post("/data-actions/evaluate-sentiment", json=body, headers=basic_header())
        assert resp.status_code == 200, resp.json

    db = sqlite3.connect(":memory:")
    assert (
        load_csv(db, get_kind("sentiment_interactions"), _export(client, "sentiment_interactions"))
        == 4
    )
    assert load_csv(db, get_kind("recognitions"), _export(client, "recognitions")) == 2

    own = client.get("/api/v1/sentiment/recognitions", headers=basic_header()).get_json()
    mine = own["recognitions"]
    count, total = db.execute("SELECT COUNT(*), SUM(customer_score) FROM recognitions").fetchone()
    assert count == len(mine) == 2
    assert total == pytest.approx(sum(r["customerScore"] for r in mine))
    kudos = db.execute("SELECT COUNT(*) FROM sentiment_interactions WHERE decision = 'kudos'")
    assert kudos.fetchone()[0] == 2
    linked = db.execute(
        "SELECT COUNT(*) FROM sentiment_interactions s JOIN recognitions r "
        "ON r.recognition_id = s.recognition_id"
    )
    assert linked.fetchone()[0] == 2

    with get_db(app).session_scope() as s:
        events = list(
            s.scalars(select(WebhookEvent).where(WebhookEvent.type == "recognition.given"))
        )
    assert sorted(e.payload["agentId"] for e in events) == ["agent-1", "agent-2"]
