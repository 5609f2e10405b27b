"""Sessions, blind scoring, reveal, and the per-session report over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from service.jobs.models import Job
from tests.calibration.helpers import (
    AI,
    ALICE,
    BASE,
    BOB,
    EXPERT,
    create,
    people,
    session_body,
    set_deadline,
    submit,
)

SECRET_TOTAL = 87.25  # distinctive: if this string appears anywhere, Alice's score leaked


def _routes(sid: str) -> list[tuple[str, str, dict | None]]:
    return [
        ("get", f"{BASE}/sessions", None),
        ("get", f"{BASE}/sessions/{sid}", None),
        ("get", f"{BASE}/sessions/{sid}/scores", None),
        ("get", f"{BASE}/sessions/{sid}/report", None),
        ("get", f"{BASE}/sessions/{sid}/report.html", None),
        ("post", "/data-actions/calibration-report", {"calibrationId": sid}),
    ]


def _call(client, method, url, body, headers):
    if method == "get":
        return client.get(url, headers=headers)
    return client.post(url, json=body, headers=headers)


def test_create_session_records_panel_and_progress(client, settings):
    sess = create(client, settings)
    assert sess["status"] == "open" and sess["revealed"] is False
    assert sess["expected"] == 8 and sess["submitted"] == 0  # 2 conversations x 4 panelists
    panel = {p["evaluatorId"]: p for p in sess["panel"]}
    assert set(panel) == {EXPERT, ALICE, BOB, AI}
    assert panel[EXPERT]["isExpert"] and panel[AI]["kind"] == "ai"


def test_no_route_leaks_a_score_before_the_reveal(client, settings, auth):
    who = people(settings)
    sid = create(client, settings)["id"]
    assert submit(client, who["alice"], sid, "conv-1", SECRET_TOTAL).status_code == 201
    viewers = {**who, "integration": auth}
    viewers.pop("alice")
    for name, headers in viewers.items():
        for method, url, body in _routes(sid):
            resp = _call(client, method, url, body, headers)
            assert resp.status_code in (200, 403, 404), (name, url, resp.status_code)
            assert str(SECRET_TOTAL) not in resp.get_data(as_text=True), (name, url)
    # Alice herself sees her own score, and the count of hidden ones is 0 (nobody else scored).
    own = client.get(f"{BASE}/sessions/{sid}/scores", headers=who["alice"]).get_json()
    assert [s["totalScore"] for s in own["scores"]] == [SECRET_TOTAL]


def test_a_panelist_sees_only_their_own_scores_and_a_hidden_count(client, settings):
    who = people(settings)
    sid = create(client, settings)["id"]
    submit(client, who["alice"], sid, "conv-1", 80)
    submit(client, who["bob"], sid, "conv-1", 70)
    seen = client.get(f"{BASE}/sessions/{sid}/scores", headers=who["bob"]).get_json()
    assert [(s["evaluatorId"], s["totalScore"]) for s in seen["scores"]] == [(BOB, 70)]
    assert seen["hidden"] == 1
    staff = client.get(f"{BASE}/sessions/{sid}/scores", headers=who["admin"]).get_json()
    assert staff["scores"] == [] and staff["hidden"] == 2
    report = client.get(f"{BASE}/sessions/{sid}/report", headers=who["admin"]).get_json()
    assert report["statistics"] is None and report["status"] == "open"
    progress = client.get(f"{BASE}/sessions/{sid}", headers=who["admin"]).get_json()
    assert {p["evaluatorId"]: p["submitted"] for p in progress["panel"]}[ALICE] == 1


def _fill(client, who, settings, sid, admin_for_ai=True):
    totals = {"expert": (80, 60), "alice": (90, 62), "bob": (71, 58)}
    for name, (c1, c2) in totals.items():
        submit(client, who[name], sid, "conv-1", c1, product="good" if name != "bob" else "poor")
        submit(client, who[name], sid, "conv-2", c2)
    if admin_for_ai:
        for conv, total in (("conv-1", 84), ("conv-2", 61)):
            resp = submit(client, who["admin"], sid, conv, total, evaluatorId=AI)
            assert resp.status_code == 201


def test_everyone_sees_everything_once_all_have_submitted(client, settings, auth):
    who = people(settings)
    sid = create(client, settings)["id"]
    _fill(client, who, settings, sid)
    for name in ("alice", "bob", "admin", "supervisor"):
        seen = client.get(f"{BASE}/sessions/{sid}/scores", headers=who[name]).get_json()
        assert seen["revealed"] and seen["status"] == "complete" and len(seen["scores"]) == 8
    report = client.get(f"{BASE}/sessions/{sid}/report", headers=who["bob"]).get_json()
    stats = report["statistics"]
    c1 = stats["interactions"][0]
    assert (c1["range"], c1["tier"], c1["variance_flag"]) == (19, "full_session", True)
    assert c1["deviations"][ALICE] == 10 and c1["ai_deviations"][AI] == 4
    assert stats["worst_criterion"] == "product"
    assert stats["reliability"]["raters"] == 3  # the AI is not part of the human reliability
    flat = client.post(
        "/data-actions/calibration-report", json={"calibrationId": sid}, headers=auth
    )
    out = flat.get_json()
    assert out["status"] == "revealed"
    assert out["evaluatorCount"] == 3 and out["range"] == 19 and out["tier"] == "full_session"
    assert out["expertScore"] == 70 and out["maxDeviation"] == 10
    assert out["worstCriterion"] == "product" and out["varianceFlag"] is True


def test_the_deadline_reveals_and_locks(client, settings, app):
    who = people(settings)
    sid = create(client, settings)["id"]
    submit(client, who["alice"], sid, "conv-1", 80)
    submit(client, who["bob"], sid, "conv-1", 70)
    set_deadline(app, sid, datetime.now(UTC) - timedelta(seconds=1))
    seen = client.get(f"{BASE}/sessions/{sid}/scores", headers=who["bob"]).get_json()
    assert seen["status"] == "expired" and len(seen["scores"]) == 2
    late = submit(client, who["expert"], sid, "conv-1", 75)
    assert late.status_code == 409 and late.get_json()["code"] == "session_revealed"


def test_resubmitting_before_the_reveal_replaces_the_score(client, settings):
    who = people(settings)
    sid = create(client, settings)["id"]
    submit(client, who["alice"], sid, "conv-1", 80)
    submit(client, who["alice"], sid, "conv-1", 82)
    seen = client.get(f"{BASE}/sessions/{sid}/scores", headers=who["alice"]).get_json()
    assert [s["totalScore"] for s in seen["scores"]] == [82]


def test_admin_can_close_early_but_a_supervisor_cannot(client, settings):
    who = people(settings)
    sid = create(client, settings)["id"]
    submit(client, who["alice"], sid, "conv-1", 80)
    refused = client.post(f"{BASE}/sessions/{sid}/close", headers=who["supervisor"])
    assert refused.status_code == 403
    closed = client.post(f"{BASE}/sessions/{sid}/close", headers=who["admin"]).get_json()
    assert closed["status"] == "closed" and closed["revealed"] is True


@pytest.mark.parametrize(
    ("who_name", "over", "status", "code"),
    [
        ("bob", {"evaluatorId": ALICE}, 403, "not_your_score"),
        ("admin", {"evaluatorId": "user-nobody"}, 400, "not_on_panel"),
        ("outsider", {}, 404, "session_not_found"),
        ("alice", {"conversationId": "conv-9"}, 404, "interaction_not_in_session"),
        ("admin", {}, 400, "not_on_panel"),
        ("alice", {"totalScore": 101}, 400, "validation_error"),
    ],
)
def test_submission_refusals(client, settings, who_name, over, status, code):
    who = people(settings)
    sid = create(client, settings)["id"]
    over = dict(over)
    resp = submit(client, who[who_name], sid, over.pop("conversationId", "conv-1"), 80, **over)
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["code"] == code


def test_outsiders_cannot_see_sessions(client, settings):
    who = people(settings)
    sid = create(client, settings)["id"]
    assert client.get(f"{BASE}/sessions/{sid}", headers=who["outsider"]).status_code == 404
    assert client.get(f"{BASE}/sessions", headers=who["outsider"]).get_json()["sessions"] == []
    mine = client.get(f"{BASE}/sessions", headers=who["alice"]).get_json()["sessions"]
    assert [s["id"] for s in mine] == [sid]


def test_only_staff_create_sessions(client, settings):
    resp = client.post(f"{BASE}/sessions", json=session_body(), headers=people(settings)["alice"])
    assert resp.status_code == 403


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"deadline": "2020-01-01T00:00:00Z"}, "deadline_in_past"),
        ({"expertId": "ai:model"}, "expert_is_ai"),
        ({"aiEvaluatorIds": ["gpt"]}, "validation_error"),
        ({"evaluatorIds": ["ai:x"]}, "validation_error"),
        ({"name": ""}, "validation_error"),
    ],
)
def test_bad_sessions_are_400(client, settings, over, code):
    resp = client.post(
        f"{BASE}/sessions", json=session_body(**over), headers=people(settings)["admin"]
    )
    assert resp.status_code == 400
    assert resp.get_json()["code"] == code


def test_calibration_scores_enqueue_nothing(client, settings, app, session):
    # Calibration scores stay in calibration tables: nothing downstream (coaching) is triggered.
    who = people(settings)
    sid = create(client, settings)["id"]
    _fill(client, who, settings, sid)
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_data_action_statuses_and_flat_keys(client, settings, auth):
    who = people(settings)
    missing = client.post(
        "/data-actions/calibration-report", json={"calibrationId": "nope"}, headers=auth
    ).get_json()
    assert missing["status"] == "not_found" and missing["mean"] == 0
    sid = create(client, settings)["id"]
    submit(client, who["alice"], sid, "conv-1", 80)
    out = client.post(
        "/data-actions/calibration-report", json={"calibrationId": sid}, headers=auth
    ).get_json()
    assert out["status"] == "incomplete" and (out["submitted"], out["expected"]) == (1, 8)
    assert out["mean"] == 0 and out["expertScore"] == 0
    for body in (missing, out):
        assert None not in body.values()
        assert len(body) == 13
    empty = create(client, settings, interactions=[])["id"]
    out = client.post(
        "/data-actions/calibration-report", json={"calibrationId": empty}, headers=auth
    ).get_json()
    assert out["status"] == "empty"


def test_data_action_rejects_bad_input(client, auth):
    resp = client.post("/data-actions/calibration-report", json={}, headers=auth)
    assert resp.status_code == 400


def test_rubric_notes_are_versioned(client, settings):
    who = people(settings)
    sid = create(client, settings)["id"]
    for text in ("Name the product model", "Name the model and give model-specific steps"):
        resp = client.post(
            f"{BASE}/rubric-notes",
            json={"formId": "form-1", "questionId": "product", "text": text, "sessionId": sid},
            headers=who["expert"],
        )
        assert resp.status_code == 201
    notes = client.get(
        f"{BASE}/rubric-notes?formId=form-1&questionId=product", headers=who["alice"]
    ).get_json()["notes"]
    assert [(n["version"], n["text"][:8]) for n in notes] == [(1, "Name the"), (2, "Name the")]
    refused = client.post(
        f"{BASE}/rubric-notes",
        json={"formId": "form-1", "questionId": "product", "text": "x"},
        headers=who["alice"],
    )
    assert refused.status_code == 403


def test_html_report_is_blind_then_full(client, settings):
    who = people(settings)
    sid = create(client, settings)["id"]
    submit(client, who["alice"], sid, "conv-1", SECRET_TOTAL)
    blind = client.get(f"{BASE}/sessions/{sid}/report.html", headers=who["admin"])
    assert blind.status_code == 200 and blind.mimetype == "text/html"
    page = blind.get_data(as_text=True)
    assert "Blind until" in page and str(SECRET_TOTAL) not in page and "<script" not in page
    _fill(client, who, settings, sid)
    client.post(
        f"{BASE}/rubric-notes",
        json={"formId": "form-1", "questionId": "product", "text": "Name the model"},
        headers=who["expert"],
    )
    full = client.get(f"{BASE}/sessions/{sid}/report.html", headers=who["bob"])
    page = full.get_data(as_text=True)
    assert "v1: Name the model" in page and "Product knowledge" in page
    assert "Deviation from the expert" in page and page.count("<svg") == 2
    assert "ai:gpt-test" in page and "product" in page and "ICC(2,1)" in page
    assert "<script" not in page and "http" not in page.replace("http://www.w3.org", "")


def test_html_report_escapes_names(client, settings):
    sid = create(client, settings, name="<b>x</b>")["id"]
    page = client.get(
        f"{BASE}/sessions/{sid}/report.html", headers=people(settings)["admin"]
    ).get_data(as_text=True)
    assert "<b>x</b>" not in page and "&lt;b&gt;" in page
