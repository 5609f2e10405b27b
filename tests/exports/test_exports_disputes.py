"""Dispute exports match the reviews API; disputes emit opened/resolved events exactly once."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from sqlalchemy import select

from service.db import get_db, utcnow
from service.exports.catalog import get_kind
from service.webhooks.models import WebhookEvent
from tests.conftest import basic_header
from tests.disputes.helpers import AGENT, OTHER_AGENT, SUPERVISOR, add_review, bearer
from tests.exports.helpers import load_csv

BASE = "/api/v1/reviews"
DISPUTE = {
    "questions": [
        {"questionId": "q2", "reason": "I did verify the account."},
        {"questionId": "q3", "reason": "The customer declined the survey."},
    ]
}
ANSWERS = {
    "answers": [
        {"questionId": "q2", "decision": "change", "answerId": "q2-yes", "comment": "Agreed."},
        {"questionId": "q3", "decision": "uphold", "comment": "Not offered."},
    ]
}


def _export(client, kind: str) -> bytes:
    resp = client.get(f"/api/v1/exports/{kind}", headers=basic_header())
    assert resp.status_code == 200, resp.get_data()
    return resp.get_data()


def _events(app, kind: str) -> list[dict]:
    with get_db(app).session_scope() as s:
        rows = s.scalars(
            select(WebhookEvent).where(WebhookEvent.type == kind).order_by(WebhookEvent.seq)
        )
        return [e.payload for e in rows]


def _two_reviews(app, client, settings) -> None:
    """ev-1: disputed (two questions), answered, disputed again (one, open). ev-2: untouched."""
    when = (utcnow() - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    add_review(app, "ev-1", releaseDate=when)
    add_review(app, "ev-2", OTHER_AGENT, releaseDate=when)
    agent, boss = bearer(settings, "agent", AGENT), bearer(settings, "supervisor", SUPERVISOR)
    assert client.post(f"{BASE}/ev-1/disputes", json=DISPUTE, headers=agent).status_code == 201
    half = {"answers": ANSWERS["answers"][:1]}
    assert client.post(f"{BASE}/ev-1/answers", json=half, headers=boss).status_code == 200
    assert _events(app, "dispute.resolved") == []  # the round is still open
    assert client.post(f"{BASE}/ev-1/answers", json={"answers": ANSWERS["answers"][1:]},
                       headers=boss).status_code == 200  # fmt: skip
    again = {"questions": DISPUTE["questions"][1:]}
    assert client.post(f"{BASE}/ev-1/disputes", json=again, headers=agent).status_code == 201


def test_disputes_round_trip(app, client, settings):
    _two_reviews(app, client, settings)
    db = sqlite3.connect(":memory:")
    for kind in ("dispute_reviews", "dispute_rounds", "dispute_items"):
        load_csv(db, get_kind(kind), _export(client, kind))

    admin = bearer(settings, "admin", "admin-1")
    own = client.get(f"{BASE}/ev-1", headers=admin).get_json()
    listed = client.get(f"{BASE}?tab=pending", headers=admin).get_json()["reviews"]
    reviews = db.execute("SELECT evaluation_id, status, rounds FROM dispute_reviews ORDER BY 1")
    assert reviews.fetchall() == [
        ("ev-1", "pending_supervisor_review", len(own["rounds"])),  # the open round counts
        ("ev-2", "pending_agent_review", 0),
    ]
    assert len(listed) == 2
    rounds = db.execute("SELECT round, answered_at IS NOT NULL FROM dispute_rounds ORDER BY 1")
    assert rounds.fetchall() == [(1, 1), (2, 0)] and len(own["rounds"]) == 2
    items = db.execute(
        "SELECT round, question_id, decision, new_answer_id FROM dispute_items ORDER BY 1, 2"
    ).fetchall()
    # CSV has no empty string apart from null: load_csv reads "" as NULL.
    assert items == [
        (1, "q2", "changed", "q2-yes"),
        (1, "q3", "upheld", None),
        (2, "q3", None, None),
    ]
    api_items = [(r["number"], i["questionId"], i["decision"])
                 for r in own["rounds"] for i in r["items"]]  # fmt: skip
    assert sorted(api_items) == [(n, q, d or "") for n, q, d, _ in items]


def test_dispute_items_incremental_by_cursor(app, client, settings):
    """An answered question comes again after the cursor; an untouched one does not."""
    when = (utcnow() - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    add_review(app, "ev-1", releaseDate=when)
    agent, boss = bearer(settings, "agent", AGENT), bearer(settings, "supervisor", SUPERVISOR)
    client.post(f"{BASE}/ev-1/disputes", json=DISPUTE, headers=agent)
    first = client.get("/api/v1/exports/dispute_items", headers=basic_header())
    cursor = first.headers["X-QMLoop-Next-Cursor"]
    assert first.get_data().count(b"\n") == 3  # header and two questions; ends the stream
    half = {"answers": ANSWERS["answers"][:1]}
    client.post(f"{BASE}/ev-1/answers", json=half, headers=boss)
    second = client.get(
        f"/api/v1/exports/dispute_items?cursor={cursor}&format=jsonl", headers=basic_header()
    )
    assert second.status_code == 200, second.get_data()
    lines = [ln for ln in second.get_data(as_text=True).splitlines() if ln]
    assert len(lines) == 1 and '"question_id":"q2"' in lines[0].replace(" ", "")


def test_dispute_events(app, client, settings):
    _two_reviews(app, client, settings)
    opened, resolved = _events(app, "dispute.opened"), _events(app, "dispute.resolved")
    assert [(e["evaluationId"], e["round"], e["source"]) for e in opened] == [
        ("ev-1", 1, "qmloop"),
        ("ev-1", 2, "qmloop"),
    ]
    assert [q["questionId"] for q in opened[0]["questions"]] == ["q2", "q3"]
    assert len(resolved) == 1
    assert resolved[0]["status"] == "pending_agent_review"
    assert {q["questionId"]: q["decision"] for q in resolved[0]["questions"]} == {
        "q2": "changed",
        "q3": "upheld",
    }


def _genesys(status, dispute_count=0, **over):
    body = {
        "id": "ev-g",
        "conversationId": "conv-g",
        "evaluationFormId": "form-1",
        "status": status,
        "agent": {"id": AGENT},
        "disputeCount": dispute_count,
        "releaseDate": utcnow().isoformat().replace("+00:00", "Z"),
        **over,
    }
    return {"topicName": "v2.quality.evaluations", "eventBody": body}


def test_genesys_dispute_rounds_emit_once(app, client, auth):
    for body in (
        _genesys("Finished"),
        _genesys("InReview", 1),
        _genesys("InReview", 1, version=3),  # the same state again: no second event
        _genesys("Finished", 1, version=2),
        _genesys("Finished", 1, version=2),
    ):
        resp = client.post("/api/v1/events/genesys", json=body, headers=auth)
        assert resp.status_code in (200, 202)  # 200: a duplicate the intake already knows
    opened, resolved = _events(app, "dispute.opened"), _events(app, "dispute.resolved")
    assert [(e["evaluationId"], e["source"], e["questions"]) for e in opened] == [
        ("ev-g", "genesys", [])
    ]
    assert [(e["status"], e["source"]) for e in resolved] == [("pending_agent_review", "genesys")]
