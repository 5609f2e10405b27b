"""evaluate-sentiment over HTTP on SQLite and PostgreSQL: decisions, repeats, caps, kudos, races."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from service import create_app
from service.coaching.models import CoachingAssignment
from service.db import get_db
from service.fakes.server import serving
from service.sentiment.models import Recognition, SentimentInteraction, SentimentSession

URL = "/data-actions/evaluate-sentiment"
KEYS = {"decision", "reason", "consecutive", "assignmentId", "appointmentStart", "recognitionId"}
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BAD = {"customerScore": -0.8, "agentScore": -0.5}


def body(conv: str, hours: float = 0, agent: str = "agent-1", **scores) -> dict:
    ended = (T0 + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")
    return {"conversationId": conv, "agentId": agent, "endedAt": ended, **(scores or BAD)}


def post(client, auth, payload) -> dict:
    resp = client.post(URL, json=payload, headers=auth)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    out = resp.get_json()
    assert set(out) == KEYS  # flat, every key always present
    return out


def count(app, model, *where) -> int:
    with get_db(app).session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.mark.parametrize(
    ("customer", "agent", "decision"),
    [
        (-0.61, -0.31, "watch"),
        (-0.6, -0.9, "none"),  # the customer threshold itself does not qualify
        (-0.9, -0.3, "none"),  # neither does the agent threshold
        (-0.59, -0.9, "none"),
        (0.8, 0.0, "none"),  # 0.8 itself is no kudos
        (0.81, 0.0, "kudos"),
    ],
)
def test_boundaries_over_http(client, auth, customer, agent, decision) -> None:
    out = post(client, auth, body("c1", customerScore=customer, agentScore=agent))
    assert out["decision"] == decision
    assert out["consecutive"] == (1 if decision == "watch" else 0)


def test_third_consecutive_coaches_once_with_the_patterns_conversations(app, client, auth) -> None:
    assert post(client, auth, body("c1", 0))["decision"] == "watch"
    assert post(client, auth, body("c2", 1))["consecutive"] == 2
    out = post(client, auth, body("c3", 2))
    assert (out["decision"], out["consecutive"], out["reason"]) == (
        "coach",
        3,
        "pattern_of_negative_sentiment",
    )
    assert out["assignmentId"]
    with get_db(app).session_scope() as s:
        a = s.get(CoachingAssignment, out["assignmentId"])
        assert a is not None and a.trigger == "sentiment"
        plan = s.scalars(select(SentimentSession)).one()
        assert plan.conversation_ids == ["c1", "c2", "c3"]
        assert "customer -0.80, agent -0.50" in plan.description
        assert plan.length_minutes == 30
    # A repeated delivery answers what the first decided, and books nothing more.
    assert post(client, auth, body("c3", 2)) == out
    assert count(app, CoachingAssignment) == 1


def test_a_neutral_interaction_breaks_the_run(client, auth) -> None:
    post(client, auth, body("c1", 0))
    post(client, auth, body("c2", 1))
    assert (
        post(client, auth, body("n", 1.5, customerScore=0.1, agentScore=0.1))["decision"] == "none"
    )
    out = post(client, auth, body("c3", 2))
    assert (out["decision"], out["consecutive"]) == ("watch", 1)


def test_out_of_order_arrival_is_judged_by_end_time(client, auth) -> None:
    post(client, auth, body("c3", 2))
    post(client, auth, body("c1", 0))
    out = post(client, auth, body("c2", 1))  # arrives last, ends in the middle
    assert out["decision"] == "coach" and out["consecutive"] == 3


def test_duplicates_never_double_count(client, auth) -> None:
    for _ in range(3):
        out = post(client, auth, body("c1", 0))
    assert (out["decision"], out["consecutive"]) == ("watch", 1)
    assert post(client, auth, body("c2", 1))["consecutive"] == 2


def test_outside_the_window_is_no_pattern(client, auth) -> None:
    post(client, auth, body("c1", 0))
    post(client, auth, body("c2", 24 * 4))
    out = post(client, auth, body("c3", 24 * 7 + 1))
    assert out["decision"] == "watch"


def test_second_pattern_within_a_week_is_capped(app, client, auth) -> None:
    for n in range(3):
        post(client, auth, body(f"a{n}", n))
    for n in range(2):
        post(client, auth, body(f"b{n}", 10 + n))
    out = post(client, auth, body("b2", 12))
    assert (out["decision"], out["reason"]) == ("capped", "sentiment_weekly_cap_reached")
    assert out["assignmentId"] == ""
    assert count(app, CoachingAssignment) == 1


def test_kudos_once_per_agent_per_day(app, client, auth) -> None:
    happy = {"customerScore": 0.95, "agentScore": 0.5}
    first = post(client, auth, body("k1", 0, **happy))
    assert first["decision"] == "kudos" and first["recognitionId"]
    again = post(client, auth, body("k2", 1, **happy))
    assert (again["decision"], again["reason"]) == ("none", "kudos_daily_limit")
    assert post(client, auth, body("k3", 25, **happy))["decision"] == "kudos"
    assert post(client, auth, body("k4", 1, agent="agent-2", **happy))["decision"] == "kudos"
    assert count(app, Recognition) == 3


def test_unknown_sentiment_is_skipped_never_qualifying(app, client, auth) -> None:
    out = post(client, auth, {"conversationId": "u1", "agentId": "agent-1"})
    assert (out["decision"], out["reason"]) == ("skipped", "unknown_sentiment")
    out = post(client, auth, {"conversationId": "u2", "agentId": "agent-1", "customerScore": -0.9})
    assert (out["decision"], out["reason"]) == ("skipped", "unknown_sentiment")


@pytest.mark.parametrize(
    "bad",
    [
        {"agentId": "a"},
        {"conversationId": "c", "agentId": "a", "customerScore": 1.01},
        {"conversationId": "c", "agentId": "a", "agentScore": -1.5},
        {"conversationId": "c", "agentId": "a", "endedAt": "yesterday"},
    ],
)
def test_bad_input_is_a_400(client, auth, bad) -> None:
    resp = client.post(URL, json=bad, headers=auth)
    assert resp.status_code == 400


def _app_with(settings, **changes):
    return create_app(settings.model_copy(update=changes))


def test_agent_side_off_coaches_on_customer_sentiment_only(settings, auth) -> None:
    app = _app_with(settings, sentiment_agent_side=False)
    client = app.test_client()
    calm_agent = {"customerScore": -0.8, "agentScore": 0.9}
    for n in range(2):
        assert post(client, auth, body(f"c{n}", n, **calm_agent))["decision"] == "watch"
    assert post(client, auth, body("c2", 2, **calm_agent))["decision"] == "coach"
    with get_db(app).session_scope() as s:
        assert all(r.agent_score is None for r in s.scalars(select(SentimentInteraction)))
    get_db(app).dispose()


def test_feature_off_skips(settings, auth) -> None:
    app = _app_with(settings, sentiment_enabled=False)
    out = post(app.test_client(), auth, body("c1"))
    assert (out["decision"], out["reason"]) == ("skipped", "feature_off")
    get_db(app).dispose()


def test_balance_report_counts_kudos_and_corrective_sessions(client, auth) -> None:
    for n in range(3):
        post(client, auth, body(f"c{n}", n))
    post(client, auth, body("k", 30, customerScore=0.9, agentScore=0.1))
    post(client, auth, body("k2", 30, agent="agent-2", customerScore=0.9, agentScore=0.1))
    report = client.get("/api/v1/sentiment/balance", headers=auth).get_json()
    rows = {r["agentId"]: r for r in report["agents"]}
    assert rows["agent-1"]["recognitions"] == 1 and rows["agent-1"]["correctiveSessions"] == 1
    assert rows["agent-2"] == {
        "agentId": "agent-2",
        "recognitions": 1,
        "correctiveSessions": 0,
        "ratio": 1.0,
    }
    recs = client.get("/api/v1/sentiment/recognitions", headers=auth).get_json()
    assert len(recs["recognitions"]) == 2


def test_policy_per_queue_changes_the_thresholds(client, auth) -> None:
    resp = client.put(
        "/api/v1/sentiment/policies/q-strict",
        json={"customer_below": -0.2, "agent_below": 0.0, "run_length": 1},
        headers=auth,
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    mild = {"customerScore": -0.3, "agentScore": -0.1}
    assert post(client, auth, {**body("d1", **mild), "queueId": "q-strict"})["decision"] == "coach"
    assert post(client, auth, {**body("d2", **mild), "queueId": "other"})["decision"] == "none"


THREADS = 32


def test_32_simultaneous_deliveries_of_the_completing_interaction_make_one_appointment(
    app, auth
) -> None:
    with serving(app) as srv:
        url = srv.url + URL
        for n in range(2):
            requests.post(url, json=body(f"c{n}", n), headers=auth, timeout=30).raise_for_status()
        barrier = threading.Barrier(THREADS)
        results: list = [None] * THREADS

        def go(i: int) -> None:
            barrier.wait()
            results[i] = requests.post(url, json=body("c2", 2), headers=auth, timeout=60)

        threads = [threading.Thread(target=go, args=(i,)) for i in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert all(r.status_code == 200 for r in results), [r.text for r in results][:3]
    answers = [r.json() for r in results]
    assert {a["decision"] for a in answers} == {"coach"}
    assert len({a["assignmentId"] for a in answers}) == 1
    assert count(app, CoachingAssignment) == 1
    assert count(app, SentimentSession) == 1
    assert count(app, SentimentInteraction) == 3


def test_acw_events_route_by_topic_to_the_queue_once(app, client, auth, settings) -> None:
    from service.jobs.service import drain

    event = {
        "topicName": "v2.detail.events.conversation.c9.acw",
        "eventBody": {"conversationId": "c9", "userId": "agent-1", "queueId": "q1"},
    }
    first = client.post("/api/v1/events/genesys", json=event, headers=auth)
    assert first.status_code == 202 and first.get_json()["decision"] == "queued"
    again = client.post("/api/v1/events/genesys", json=event, headers=auth)
    assert again.status_code == 200 and again.get_json()["decision"] == "duplicate"
    drain(app, settings)
    # No Genesys configured and no scores: the queued judgment stored "unknown"; the data
    # action answers what it decided.
    out = post(client, auth, {"conversationId": "c9", "agentId": "agent-1"})
    assert (out["decision"], out["reason"]) == ("skipped", "unknown_sentiment")
    other = {**event, "topicName": "v2.detail.events.conversation.c9.customer.end"}
    assert (
        client.post("/api/v1/events/genesys", json=other, headers=auth).get_json()["reason"]
        == "unsupported_topic"
    )


def test_an_excluded_queue_is_skipped(client, auth) -> None:
    resp = client.put(
        "/api/v1/sentiment/policies/q-internal", json={"enabled": False}, headers=auth
    )
    assert resp.status_code == 200
    out = post(client, auth, {**body("x1"), "queueId": "q-internal"})
    assert (out["decision"], out["reason"]) == ("skipped", "queue_excluded")
    assert post(client, auth, {**body("x2"), "queueId": "q-other"})["decision"] == "watch"


def test_two_patterns_completing_at_once_for_one_agent_book_one_session(app, auth) -> None:
    with serving(app) as srv:
        url = srv.url + URL
        setup = [body("a0", 0), body("a1", 1), body("n", 2, customerScore=0.1, agentScore=0.1)]
        setup += [body("b0", 3), body("b1", 4)]
        for payload in setup:
            requests.post(url, json=payload, headers=auth, timeout=30).raise_for_status()
        finals = [body("a2", 1.5), body("b2", 5)] * (THREADS // 2)
        barrier = threading.Barrier(THREADS)
        results: list = [None] * THREADS

        def go(i: int) -> None:
            barrier.wait()
            results[i] = requests.post(url, json=finals[i], headers=auth, timeout=60)

        threads = [threading.Thread(target=go, args=(i,)) for i in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    decisions = {(r.json()["decision"], r.json()["assignmentId"] != "") for r in results}
    assert decisions == {("coach", True), ("capped", False)}
    assert count(app, CoachingAssignment) == 1


def test_agents_see_their_own_recognitions_and_not_the_balance(client, auth, settings) -> None:
    from service.auth.service import issue_token

    happy = {"customerScore": 0.9, "agentScore": 0.1}
    post(client, auth, body("k1", agent="agent-1", **happy))
    post(client, auth, body("k2", agent="agent-2", **happy))
    token = issue_token(settings, "agent-1-login", role="agent", user_id="agent-1")
    mine = {"Authorization": f"Bearer {token}"}
    recs = client.get("/api/v1/sentiment/recognitions?agentId=agent-2", headers=mine).get_json()
    assert [r["agentId"] for r in recs["recognitions"]] == ["agent-1"]
    assert client.get("/api/v1/sentiment/balance", headers=mine).status_code == 403
    assert client.post(URL, json=body("x"), headers=mine).status_code == 403
    boss = issue_token(settings, "lead", role="supervisor", user_id="lead-1")
    report = client.get("/api/v1/sentiment/balance", headers={"Authorization": f"Bearer {boss}"})
    assert report.status_code == 200 and len(report.get_json()["agents"]) == 2
