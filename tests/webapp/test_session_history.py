"""The audit trail of coaches' edits (issue 14): recorded, shown on the session page, exported,
never holding the session's text, gone with the session."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select

from service.db import get_db
from service.workspace.models import CoachingSession, SessionEdit
from tests.conftest import basic_header
from tests.webapp.conftest import dev_signin, post_form


@pytest.fixture
def settings(settings):
    """The web app's test settings with the export settle window off (rows export at once)."""
    return settings.model_copy(update={"export_settle_seconds": 0})


SECRET = "Customer said their card ends 4242; be kinder"  # text that must stay out of the history


def _session(app, name: str) -> CoachingSession:
    with get_db(app).session_scope() as db:
        return db.scalars(select(CoachingSession).where(CoachingSession.name == name)).one()


def _edits(app, session_id: str) -> list[SessionEdit]:
    with get_db(app).session_scope() as db:
        stmt = select(SessionEdit).where(SessionEdit.session_id == session_id)
        return list(db.scalars(stmt.order_by(SessionEdit.field)))


def _coach_edits(app, client) -> str:
    dev_signin(client, "sup-1", "supervisor", team=["agent-a", "agent-b"])
    post_form(client, "/app/team", "/app/team/sessions", {"agents": ["agent-a"], "name": "Calls"})
    sess = _session(app, "Calls")
    page = f"/app/coaching/{sess.id}"
    plan = {"feedback": SECRET, "action_plan": "Recap", "status": "in_progress"}
    assert post_form(client, page, f"{page}/plan", plan).status_code == 303
    again = {**plan, "action_plan": "Recap the call", "follow_up_on": "2026-04-01"}
    assert post_form(client, page, f"{page}/plan", again).status_code == 303
    assert post_form(client, page, f"{page}/plan", again).status_code == 303  # no change
    mark = {"evaluation_id": "e-9", "area": "Empathy"}
    assert post_form(client, page, f"{page}/interactions", mark).status_code == 303
    example = {"question": "Greeting", "quote": "Thanks for calling"}
    assert post_form(client, page, f"{page}/examples", example).status_code == 303
    return sess.id


def test_each_changed_field_is_recorded_with_who_and_when_but_no_text(app, client):
    session_id = _coach_edits(app, client)
    edits = _edits(app, session_id)
    got = sorted(
        (e.field, e.old_value, e.new_value, e.old_length, e.new_length)
        for e in edits
        if e.field not in ("interaction", "example")
    )
    assert got == [
        ("action_plan", "", "", 0, 5),
        ("action_plan", "", "", 5, 14),
        ("feedback", "", "", 0, len(SECRET)),
        ("follow_up_on", "", "2026-04-01", None, None),
        ("status", "assigned", "in_progress", None, None),
    ]
    added = {e.field: e.new_value for e in edits if e.field in ("interaction", "example")}
    with get_db(app).session_scope() as db:
        sess = db.get(CoachingSession, session_id)
        assert added == {"interaction": sess.interactions[0].id, "example": sess.examples[0].id}
    assert {e.changed_by for e in edits} == {"sup-1"}
    assert all(e.changed_at is not None for e in edits)
    for e in edits:  # nothing of the session's text is copied into its history
        assert "card" not in f"{e.old_value}{e.new_value}" and "Recap" not in e.new_value


def test_the_session_page_shows_the_history_to_the_coach_and_its_agent(app, client):
    session_id = _coach_edits(app, client)
    page = f"/app/coaching/{session_id}"
    html = client.get(page).get_data(as_text=True)
    assert "Change history" in html
    for line in (
        "Status: Assigned → In progress",
        "Follow-up date: — → 2026-04-01",
        "Action plan changed (5 → 14 characters)",
        "Interaction marked for coaching added",
        "Best response example added",
    ):
        assert line in html, line
    dev_signin(client, "agent-a", "agent")
    html = client.get(page).get_data(as_text=True)
    assert "Status: Assigned → In progress" in html  # their own session: they see it
    dev_signin(client, "agent-b", "agent")  # another agent: not even that the session exists
    assert client.get(page).status_code == 404


def test_the_history_is_an_export_kind_and_goes_with_its_session(app, client):
    session_id = _coach_edits(app, client)
    resp = client.get("/api/v1/exports/coaching_session_edits?format=jsonl", headers=basic_header())
    assert resp.status_code == 200
    rows = [json.loads(line) for line in resp.get_data(as_text=True).splitlines()]
    assert len(rows) == 7 and {r["agent_id"] for r in rows} == {"agent-a"}
    assert {r["field"] for r in rows} == {
        "feedback",
        "action_plan",
        "status",
        "follow_up_on",
        "interaction",
        "example",
    }
    assert SECRET not in resp.get_data(as_text=True)
    page = client.get(
        "/api/v1/bi/coaching_session_edits?field=status", headers=basic_header()
    ).get_json()
    assert [r["new_value"] for r in page["data"]] == ["in_progress"]
    with get_db(app).session_scope() as db:  # e.g. a retention purge or an erasure
        db.execute(delete(CoachingSession).where(CoachingSession.id == session_id))
    assert _edits(app, session_id) == []
