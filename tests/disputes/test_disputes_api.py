"""The reviews API on SQLite and PostgreSQL: the flow, row-level rules, caps, validation, events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from service.db import get_db, utcnow
from service.disputes import rules, service
from service.disputes.models import Review
from service.jobs.models import Job

from .helpers import (
    AGENT,
    OTHER_AGENT,
    OTHER_SUPERVISOR,
    SUPERVISOR,
    add_review,
    bearer,
)

BASE = "/api/v1/reviews"
TWO = {
    "questions": [
        {"questionId": "q2", "reason": "I did verify the account."},
        {"questionId": "q3", "reason": "The customer declined the survey."},
    ]
}
ANSWERS = {
    "answers": [
        {"questionId": "q2", "decision": "change", "answerId": "q2-yes", "comment": "Agreed."},
        {"questionId": "q3", "decision": "uphold", "comment": "The survey was not offered."},
    ]
}


@pytest.fixture
def recent(app):
    """A review released an hour ago (inside the window)."""
    when = (utcnow() - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    return add_review(app, releaseDate=when)


@pytest.fixture
def people(settings):
    return {
        "agent": bearer(settings, "agent", AGENT),
        "other_agent": bearer(settings, "agent", OTHER_AGENT),
        "supervisor": bearer(settings, "supervisor", SUPERVISOR),
        "other_supervisor": bearer(settings, "supervisor", OTHER_SUPERVISOR),
        "admin": bearer(settings, "admin", "admin-1"),
        "evaluator": bearer(settings, "evaluator", "evaluator-1"),
    }


def test_dispute_answer_accept_flow(client, recent, people):
    tab = client.get(f"{BASE}?tab=pending", headers=people["agent"]).get_json()
    row = tab["reviews"][0]
    assert row["reviewStatus"] == "Pending Agent Review" and row["disputeRounds"] == 0
    assert row["queueName"] == "Billing" and row["supervisorAuditScore"] == 33.33

    resp = client.post(f"{BASE}/{recent}/disputes", json=TWO, headers=people["agent"])
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["reviewStatus"] == "Pending Supervisor Review"

    queue = client.get(f"{BASE}/queue", headers=people["supervisor"]).get_json()["reviews"]
    assert [r["evaluationId"] for r in queue] == [recent]
    assert client.get(f"{BASE}/queue", headers=people["other_supervisor"]).get_json() == {
        "reviews": []
    }

    resp = client.post(f"{BASE}/{recent}/answers", json=ANSWERS, headers=people["supervisor"])
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["reviewStatus"] == "Pending Agent Review" and body["disputeRounds"] == 1
    assert {q["questionId"]: q["answerId"] for q in body["questions"]}["q2"] == "q2-yes"
    assert [i["decision"] for i in body["rounds"][0]["items"]] == ["changed", "upheld"]
    assert body["writebackState"] == "pending" and body["canAccept"] is False  # not the agent

    disputes = client.get(f"{BASE}?tab=disputes", headers=people["agent"]).get_json()
    assert disputes["reviews"][0]["disputeRounds"] == 1

    resp = client.post(f"{BASE}/{recent}/accept", headers=people["agent"])
    assert resp.status_code == 200 and resp.get_json()["reviewStatus"] == "Resolved"
    resolved = client.get(f"{BASE}?tab=resolved", headers=people["agent"]).get_json()
    assert resolved["reviews"][0]["outcome"] == "accepted"
    assert client.get(f"{BASE}?tab=pending", headers=people["agent"]).get_json()["reviews"] == []
    again = client.post(f"{BASE}/{recent}/accept", headers=people["agent"])
    assert (again.status_code, again.get_json()["code"]) == (409, "not_pending_agent_review")


def test_only_a_changed_round_queues_one_write_back(app, client, recent, people):
    client.post(f"{BASE}/{recent}/disputes", json=TWO, headers=people["agent"])
    upheld = {"answers": [{**a, "decision": "uphold", "answerId": ""} for a in ANSWERS["answers"]]}
    client.post(f"{BASE}/{recent}/answers", json=upheld, headers=people["supervisor"])
    client.post(f"{BASE}/{recent}/disputes", json=TWO, headers=people["agent"])
    client.post(f"{BASE}/{recent}/answers", json=ANSWERS, headers=people["supervisor"])
    with get_db(app).session_scope() as s:
        keys = s.scalars(select(Job.idempotency_key).where(Job.kind == "disputes.writeback")).all()
    assert keys == [rules.writeback_key(recent, 2)]


def test_partial_answers_keep_the_round_open(client, recent, people):
    client.post(f"{BASE}/{recent}/disputes", json=TWO, headers=people["agent"])
    first = {"answers": ANSWERS["answers"][:1]}
    body = client.post(f"{BASE}/{recent}/answers", json=first, headers=people["supervisor"])
    assert body.get_json()["reviewStatus"] == "Pending Supervisor Review"
    again = client.post(f"{BASE}/{recent}/answers", json=first, headers=people["supervisor"])
    assert again.status_code == 409 and again.get_json()["code"] == "already_answered"
    rest = {"answers": ANSWERS["answers"][1:]}
    body = client.post(f"{BASE}/{recent}/answers", json=rest, headers=people["supervisor"])
    assert body.get_json()["reviewStatus"] == "Pending Agent Review"


@pytest.mark.parametrize(
    ("who", "method", "path", "status"),
    [
        ("other_agent", "get", "", 404),
        ("other_agent", "post", "/accept", 404),
        ("other_agent", "post", "/disputes", 404),
        ("other_supervisor", "get", "", 404),
        ("other_supervisor", "post", "/answers", 404),
        ("supervisor", "post", "/accept", 403),
        ("supervisor", "post", "/disputes", 403),
        ("admin", "post", "/accept", 403),
        ("agent", "post", "/answers", 403),
        ("evaluator", "get", "", 403),
        ("supervisor", "get", "", 200),
        ("admin", "get", "", 200),
    ],
)
def test_row_level_rules(client, recent, people, who, method, path, status):
    body = {"/disputes": TWO, "/answers": ANSWERS}.get(path)
    resp = getattr(client, method)(f"{BASE}/{recent}{path}", json=body, headers=people[who])
    assert resp.status_code == status, resp.get_json()


def test_lists_show_only_what_the_caller_may_see(app, client, recent, people):
    add_review(app, "ev-other", agent=OTHER_AGENT, manager=OTHER_SUPERVISOR)

    def ids(who, query=""):
        got = client.get(f"{BASE}?tab=pending{query}", headers=people[who]).get_json()
        return {r["evaluationId"] for r in got["reviews"]}

    assert ids("agent") == {recent}
    assert ids("agent", f"&agentId={OTHER_AGENT}") == {recent}  # agents cannot widen it
    assert ids("supervisor") == {recent}
    assert ids("admin") == {recent, "ev-other"}
    assert ids("admin", f"&agentId={OTHER_AGENT}") == {"ev-other"}


def test_the_admin_may_answer_for_any_team(client, recent, people):
    client.post(f"{BASE}/{recent}/disputes", json=TWO, headers=people["agent"])
    resp = client.post(f"{BASE}/{recent}/answers", json=ANSWERS, headers=people["admin"])
    assert resp.status_code == 200


def _set(app, evaluation_id, **values):
    with get_db(app).session_scope() as s:
        review = s.scalars(select(Review).where(Review.evaluation_id == evaluation_id)).one()
        for key, value in values.items():
            setattr(review, key, value)


@pytest.mark.parametrize(("rounds", "status"), [(4, 201), (5, 409)])
def test_round_cap_through_the_api(app, client, recent, people, rounds, status):
    _set(app, recent, rounds=rounds)
    resp = client.post(f"{BASE}/{recent}/disputes", json=TWO, headers=people["agent"])
    assert resp.status_code == status
    if status == 409:
        assert resp.get_json()["code"] == "round_cap_reached"
        return
    resp = client.post(f"{BASE}/{recent}/answers", json=ANSWERS, headers=people["supervisor"])
    body = resp.get_json()
    assert (body["reviewStatus"], body["outcome"], body["disputeRounds"]) == (
        "Closed",
        "round_cap_reached",
        5,
    )
    again = client.post(f"{BASE}/{recent}/accept", headers=people["agent"])
    assert (again.status_code, again.get_json()["code"]) == (409, "round_cap_reached")


@pytest.mark.parametrize(("days", "status"), [(45, 201), (46, 409)])
def test_dispute_window_through_the_api(app, client, people, days, status):
    # A minute of slack either side: the request runs a little after ``released``.
    slack = timedelta(minutes=-1 if days == 45 else 1)
    released = (utcnow() - timedelta(days=days) - slack).isoformat().replace("+00:00", "Z")
    ev = add_review(app, releaseDate=released)
    resp = client.post(f"{BASE}/{ev}/disputes", json=TWO, headers=people["agent"])
    assert resp.status_code == status
    tab = "pending" if status == 201 else "resolved"
    rows = client.get(f"{BASE}?tab={tab}", headers=people["agent"]).get_json()["reviews"]
    assert [r["evaluationId"] for r in rows] == [ev]
    if status == 409:
        assert resp.get_json()["code"] == "window_closed"
        assert rows[0]["reviewStatus"] == "Closed" and rows[0]["outcome"] == "window_closed"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"questions": [{"questionId": "q9", "reason": "x"}]}, "validation_error"),
        ({"questions": [{"questionId": "q2", "reason": "x"}] * 2}, "duplicate_question"),
        ({"questions": [{"questionId": "q2", "reason": ""}]}, "validation_error"),
        ({"questions": []}, "validation_error"),
    ],
)
def test_bad_disputes_are_400(client, recent, people, body, code):
    resp = client.post(f"{BASE}/{recent}/disputes", json=body, headers=people["agent"])
    assert resp.status_code == 400 and resp.get_json()["code"] == code


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"questionId": "q2", "decision": "change", "answerId": "q1-yes"}, "answer_not_an_option"),
        ({"questionId": "q2", "decision": "change", "answerId": "q2-no"}, "answer_unchanged"),
        ({"questionId": "q1", "decision": "uphold"}, "question_not_disputed"),
    ],
)
def test_bad_answers_are_400(client, recent, people, answer, message):
    client.post(f"{BASE}/{recent}/disputes", json=TWO, headers=people["agent"])
    body = {"answers": [{**answer, "comment": "c"}]}
    resp = client.post(f"{BASE}/{recent}/answers", json=body, headers=people["supervisor"])
    assert resp.status_code == 400
    assert resp.get_json()["errors"][0]["message"] == message


def test_unknown_tab_is_400(client, people):
    assert client.get(f"{BASE}?tab=archive", headers=people["agent"]).status_code == 400


def test_coaching_review_status_follows_linked_evaluations(app, client, recent, people):
    add_review(app, "ev-2")
    with get_db(app).session_scope() as s:
        assert service.coaching_review_status(s, evaluation_ids=["ev-2"]) == "Pending Agent Review"
        assert service.coaching_review_status(s, evaluation_ids=["nope"]) == ""
    client.post(f"{BASE}/{recent}/disputes", json=TWO, headers=people["agent"])
    client.post("/api/v1/reviews/ev-2/accept", headers=people["agent"])
    with get_db(app).session_scope() as s:
        got = service.coaching_review_status(s, evaluation_ids=[recent, "ev-2"])
    assert got == "Pending Supervisor Review"


def _event(status, dispute_count=0, **over):
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


def test_genesys_dispute_events_show_in_the_same_place(client, auth, people):
    post = lambda body: client.post("/api/v1/events/genesys", json=body, headers=auth)  # noqa: E731
    assert post(_event("Finished")).status_code == 202
    pending = client.get(f"{BASE}?tab=pending", headers=people["agent"]).get_json()["reviews"]
    assert [(r["evaluationId"], r["reviewStatus"]) for r in pending] == [
        ("ev-g", "Pending Agent Review")
    ]
    post(_event("InReview", 1))
    got = client.get(f"{BASE}/ev-g", headers=people["agent"]).get_json()
    assert (got["reviewStatus"], got["disputeRounds"]) == ("Pending Supervisor Review", 0)
    post(_event("Finished", 1, version=2))
    got = client.get(f"{BASE}/ev-g", headers=people["agent"]).get_json()
    assert (got["reviewStatus"], got["disputeRounds"]) == ("Pending Agent Review", 1)


def test_a_dispute_event_opens_a_review_already_in_review(client, auth, people):
    client.post("/api/v1/events/genesys", json=_event("InReview", 2), headers=auth)
    got = client.get(f"{BASE}/ev-g", headers=people["agent"]).get_json()
    assert (got["reviewStatus"], got["source"], got["disputeRounds"]) == (
        "Pending Supervisor Review",
        "genesys",
        1,
    )
    rows = client.get(f"{BASE}?tab=disputes", headers=people["agent"]).get_json()["reviews"]
    assert [r["evaluationId"] for r in rows] == ["ev-g"]


def test_a_deleted_evaluation_closes_its_review(client, auth, people):
    client.post("/api/v1/events/genesys", json=_event("Finished"), headers=auth)
    client.post("/api/v1/events/genesys", json=_event("Finished", eventType="Delete"), headers=auth)
    got = client.get(f"{BASE}/ev-g", headers=people["agent"]).get_json()
    assert (got["reviewStatus"], got["outcome"]) == ("Closed", "evaluation_deleted")


def test_waiting_counts_are_the_dispute_queue_per_agent(app, settings):
    """The team page's counts: the supervisor's queue (own reviews and the team's), per agent."""
    from collections import Counter

    from service.auth.rules import Principal

    add_review(app, "ev-a1", AGENT)
    add_review(app, "ev-a2", AGENT)
    add_review(app, "ev-o1", OTHER_AGENT, manager=OTHER_SUPERVISOR)
    add_review(app, "ev-o2", OTHER_AGENT, manager=OTHER_SUPERVISOR)
    add_review(app, "ev-x", "agent-3", manager=OTHER_SUPERVISOR)
    with get_db(app).session_scope() as s:
        for review in s.scalars(select(Review)):
            if review.evaluation_id != "ev-a2":  # left Pending Agent Review
                review.status = rules.PENDING_SUPERVISOR
    me = Principal(subject="person-manager-1", role="supervisor", user_id=SUPERVISOR)
    with get_db(app).session_scope() as s:
        for team in (None, [OTHER_AGENT], [OTHER_AGENT, "agent-3"]):
            queue = service.dispute_queue(s, principal=me, settings=settings, team=team)
            counts = service.waiting_counts(s, principal=me, team=team)
            assert counts == dict(Counter(row.agentId for row in queue))
        assert counts == {AGENT: 1, OTHER_AGENT: 2, "agent-3": 1}
