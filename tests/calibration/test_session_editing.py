"""Editing a session before the reveal: panel and deadline changes, blindness, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.calibration.helpers import (
    ALICE,
    BASE,
    BOB,
    EXPERT,
    bearer,
    create,
    people,
    submit,
)

LATE = "user-late"
SECRET = 87.25  # a distinctive score that must not leak


def _paths(sid: str) -> list[str]:
    return [
        f"{BASE}/sessions/{sid}",
        f"{BASE}/sessions/{sid}/scores",
        f"{BASE}/sessions/{sid}/report",
        f"{BASE}/sessions/{sid}/report.html",
        f"{BASE}/sessions",
    ]


def _add(client, settings, sid, who, role="admin"):
    headers = people(settings)[role]
    return client.post(
        f"{BASE}/sessions/{sid}/panelists", json={"evaluatorId": who}, headers=headers
    )


def test_a_late_panelist_sees_nothing_of_others_until_the_reveal(client, settings):
    p = people(settings)
    sid = create(client, settings, aiEvaluatorIds=[])["id"]
    assert submit(client, p["alice"], sid, "conv-1", SECRET).status_code == 201
    assert _add(client, settings, sid, LATE).status_code == 200
    late = bearer(settings, "agent", LATE)
    for path in _paths(sid):
        resp = client.get(path, headers=late)
        assert resp.status_code == 200, path
        assert "87.25" not in resp.get_data(as_text=True), path
    scores = client.get(f"{BASE}/sessions/{sid}/scores", headers=late).get_json()
    assert scores["scores"] == [] and scores["hidden"] == 1
    assert submit(client, late, sid, "conv-1", 60).status_code == 201
    mine = client.get(f"{BASE}/sessions/{sid}/scores", headers=late).get_json()
    assert [s["totalScore"] for s in mine["scores"]] == [60] and mine["hidden"] == 1
    # The late panelist counts: the session is not complete without their scores.
    for who in ("expert", "alice", "bob"):
        for conv in ("conv-1", "conv-2"):
            submit(client, p[who], sid, conv, 70)
    assert client.get(f"{BASE}/sessions/{sid}", headers=late).get_json()["status"] == "open"
    submit(client, late, sid, "conv-2", 65)
    after = client.get(f"{BASE}/sessions/{sid}/scores", headers=late).get_json()
    assert after["revealed"] is True and after["hidden"] == 0 and len(after["scores"]) == 8


def test_every_edit_is_audited_and_a_removed_score_leaves_the_statistics(client, settings):
    p = people(settings)
    sid = create(client, settings, aiEvaluatorIds=[])["id"]
    submit(client, p["bob"], sid, "conv-1", 12)  # Bob's outlier, then Bob is removed
    for who, total in (("expert", 80), ("alice", 78)):
        for conv in ("conv-1", "conv-2"):
            submit(client, p[who], sid, conv, total)
    assert _add(client, settings, sid, LATE).status_code == 200
    removed = client.delete(f"{BASE}/sessions/{sid}/panelists/{BOB}", headers=p["admin"])
    assert removed.status_code == 200
    assert BOB not in [x["evaluatorId"] for x in removed.get_json()["panel"]]
    later = (datetime.now(UTC) + timedelta(days=9)).isoformat()
    moved = client.put(
        f"{BASE}/sessions/{sid}/deadline", json={"deadline": later}, headers=p["admin"]
    )
    assert moved.status_code == 200
    assert (
        client.delete(f"{BASE}/sessions/{sid}/panelists/{LATE}", headers=p["admin"]).status_code
        == 200
    )
    assert client.post(f"{BASE}/sessions/{sid}/close", headers=p["admin"]).status_code == 200

    audit = client.get(f"{BASE}/sessions/{sid}/audit", headers=p["supervisor"]).get_json()
    entries = audit["entries"]
    assert [e["action"] for e in entries] == [
        "panelist_added",
        "panelist_removed",
        "deadline_moved",
        "panelist_removed",
        "closed",
    ]
    assert all(e["actor"] == "user-admin" and e["at"] for e in entries)
    assert entries[0]["detail"] == {"evaluatorId": LATE, "kind": "human"}
    bob = entries[1]["detail"]
    assert bob["evaluatorId"] == BOB
    assert [(s["conversationId"], s["totalScore"]) for s in bob["scores"]] == [("conv-1", 12.0)]
    assert entries[2]["detail"]["to"].startswith(later[:16])
    assert entries[3]["detail"]["scores"] == []

    report = client.get(f"{BASE}/sessions/{sid}/report", headers=p["admin"]).get_json()
    rows = report["statistics"]["interactions"]
    conv1 = next(r for r in rows if r["interaction_id"] == "conv-1")
    assert conv1["count"] == 2 and conv1["min"] == 78  # Bob's 12 is gone from the statistics
    shown = client.get(f"{BASE}/sessions/{sid}/scores", headers=p["admin"]).get_json()
    assert 12 not in [s["totalScore"] for s in shown["scores"]]


@pytest.mark.parametrize(
    ("role", "action", "status", "code"),
    [
        ("supervisor", "add", 403, "role_forbidden"),  # the authorization matrix
        ("expert", "deadline", 403, "role_forbidden"),
        ("admin", "add_existing", 409, "already_on_panel"),
        ("admin", "remove_expert", 400, "expert_not_removable"),
        ("admin", "remove_stranger", 404, "not_on_panel"),
        ("admin", "deadline_past", 400, "deadline_in_past"),
    ],
)
def test_edit_refusals(client, settings, role, action, status, code):
    sid = create(client, settings)["id"]
    h = people(settings)[role]
    future = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    calls = {
        "add": lambda: _add(client, settings, sid, LATE, role),
        "add_existing": lambda: _add(client, settings, sid, ALICE, role),
        "remove_expert": lambda: client.delete(
            f"{BASE}/sessions/{sid}/panelists/{EXPERT}", headers=h
        ),
        "remove_stranger": lambda: client.delete(
            f"{BASE}/sessions/{sid}/panelists/nobody", headers=h
        ),
        "deadline": lambda: client.put(
            f"{BASE}/sessions/{sid}/deadline", json={"deadline": future}, headers=h
        ),
        "deadline_past": lambda: client.put(
            f"{BASE}/sessions/{sid}/deadline", json={"deadline": past}, headers=h
        ),
    }
    resp = calls[action]()
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["code"] == code
    audit = client.get(f"{BASE}/sessions/{sid}/audit", headers=people(settings)["admin"])
    assert audit.get_json()["entries"] == []  # a refused edit changes nothing


def test_a_revealed_session_cannot_be_edited(client, settings):
    p = people(settings)
    sid = create(client, settings)["id"]
    client.post(f"{BASE}/sessions/{sid}/close", headers=p["admin"])
    assert _add(client, settings, sid, LATE).status_code == 409
    assert (
        client.delete(f"{BASE}/sessions/{sid}/panelists/{BOB}", headers=p["admin"]).status_code
        == 409
    )
    future = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    resp = client.put(
        f"{BASE}/sessions/{sid}/deadline", json={"deadline": future}, headers=p["admin"]
    )
    assert resp.status_code == 409 and resp.get_json()["code"] == "session_revealed"


def test_panelists_cannot_read_the_audit(client, settings):
    sid = create(client, settings)["id"]
    resp = client.get(f"{BASE}/sessions/{sid}/audit", headers=people(settings)["alice"])
    assert resp.status_code == 403
