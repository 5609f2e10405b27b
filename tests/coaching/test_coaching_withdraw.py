"""Retracted, superseded and deleted evaluations: cancel what nobody started, flag the rest."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.coaching import rules
from service.coaching.models import CoachingAssignment
from service.db import get_db
from service.jobs.service import drain

from .memory_genesys import make_evaluation, make_form
from .test_coaching_api import bearer, event

EVENTS = "/api/v1/events/genesys"
GROUPS = [("g1", "Greeting", 40), ("g2", "Resolution", 20)]


# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "started", "target", "delivery", "action"),
    [
        ("open", False, "local", "local", "cancel"),
        ("open", True, "local", "local", "flag"),
        ("completed", False, "local", "local", "flag"),
        ("completed", True, "genesys_learning", "delivered", "flag"),
        ("cancelled", True, "local", "local", "none"),
        ("cancelled", False, "genesys_workitem", "delivered", "none"),
        ("open", False, "genesys_learning", "pending", "cancel"),
        ("open", False, "genesys_learning", "delivered", "ask_target"),
        ("open", False, "lms_webhook", "delivered", "ask_target"),
        ("open", True, "genesys_coaching_appointment", "delivered", "flag"),
    ],
)
def test_withdrawal_rule(status, started, target, delivery, action):
    got = rules.withdrawal(status=status, started=started, target=target, delivery_state=delivery)
    assert got == action
    flagged = dict(status=status, started=started, target=target, delivery_state=delivery)
    assert rules.withdrawal(**flagged, flagged=True) == "none"  # the first flag stays


# Every state the SDK declares for each target, and whether it means "the agent started".
TARGET_STATES = {
    "genesys_learning": (
        "LearningAssignment",
        "state",
        {"InProgress", "Completed", "NotCompleted"},
    ),
    "genesys_coaching_appointment": (
        "CoachingAppointmentResponse",
        "status",
        {"InProgress", "Completed"},
    ),
    "genesys_workitem": ("Workitem", "status_category", {"InProgress", "Waiting", "Closed"}),
}


@pytest.mark.parametrize("target", sorted(TARGET_STATES))
def test_every_sdk_state_of_a_target_is_classified(target):
    from tests.sdk_payloads import allowed_values, sdk

    model, attr, started = TARGET_STATES[target]
    states = allowed_values(getattr(sdk.models, model), attr)
    assert started < set(states)
    for state in states:
        assert rules.target_started(target, state) is (state in started), state
        assert rules.target_started(target, state.upper()) is (state in started)
    assert rules.target_started("local", "InProgress") is False


@pytest.mark.parametrize(
    ("status", "event_type", "reason"),
    [
        ("Retracted", "UPDATE", "evaluation_retracted"),
        ("RETRACTED", "", "evaluation_retracted"),
        ("Finished", "DELETE", "evaluation_deleted"),
        ("Retracted", "Deleted", "evaluation_deleted"),
        ("Finished", "UPDATE", ""),
        ("InReview", "CREATE", ""),
    ],
)
def test_event_withdrawal(status, event_type, reason):
    assert rules.event_withdrawal(status, event_type) == reason


def test_a_deletion_is_its_own_event_version():
    finished = {"status": "Finished", "version": 2, "eventType": "UPDATE"}
    assert rules.event_version(finished) != rules.event_version({**finished, "eventType": "DELETE"})


# --- through the event endpoint -----------------------------------------------------------


def seed(genesys, evaluation_id, scores, version=1, retracted="", status="FINISHED"):
    genesys.forms["form-v1"] = make_form(GROUPS)
    ev = make_evaluation(evaluation_id, scores, status=status)
    ev["version"] = version
    if retracted:
        ev["retractedEvaluation"] = {"id": retracted}
    genesys.evaluations[evaluation_id] = ev
    return ev


def rows(app):
    with get_db(app).session_scope() as s:
        query = select(CoachingAssignment).order_by(CoachingAssignment.created_at)
        return [
            {
                "evaluation": a.evaluation_id,
                "version": a.evaluation_version,
                "status": a.status,
                "close": a.close_reason,
                "flag": a.review_flag,
                "section": a.section_id,
            }
            for a in s.scalars(query)
        ]


def post(client, auth, body, status):
    resp = client.post(EVENTS, json=body, headers=auth)
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()


def coach_v1(client, auth, settings, genesys):
    """Evaluation e1, version 1, finished at 50 %: coached on Greeting."""
    seed(genesys, "e1", [("g1", 0, 2), ("g2", 1, 1)])  # (0x40 + 1x20) / (2x40 + 1x20) = 20 %
    post(client, auth, event(version=1), 202)
    drain(app=client.application, settings=settings)
    (row,) = rows(client.application)
    assert (row["status"], row["version"], row["section"]) == ("open", 1, "g1")


def test_the_issue_case_retracted_then_rescored_at_100(client, auth, settings, genesys):
    coach_v1(client, auth, settings, genesys)
    out = post(client, auth, event(status="Retracted", version=1), 200)
    assert (out["decision"], out["reason"]) == ("withdrawn", "evaluation_retracted")
    seed(genesys, "e2", [("g1", 2, 2), ("g2", 1, 1)], version=2, retracted="e1")
    post(client, auth, event("e2", version=2, retractedEvaluation={"id": "e1"}), 202)
    drain(app=client.application, settings=settings)
    assert rows(client.application) == [
        {
            "evaluation": "e1",
            "version": 1,
            "status": "cancelled",
            "close": "evaluation_retracted",
            "flag": "",
            "section": "g1",
        }
    ]


def test_new_version_first_supersedes_and_is_triaged_on_its_own(client, auth, settings, genesys):
    coach_v1(client, auth, settings, genesys)
    seed(genesys, "e2", [("g1", 1, 2), ("g2", 1, 1)], version=2, retracted="e1")  # 60 %, Greeting
    post(client, auth, event("e2", version=2, retractedEvaluation={"id": "e1"}), 202)
    drain(app=client.application, settings=settings)
    late = post(client, auth, event(status="Retracted", version=1), 200)
    assert late["decision"] == "withdrawn"  # already cancelled: nothing more happens
    got = rows(client.application)
    assert [(r["evaluation"], r["status"], r["close"], r["section"]) for r in got] == [
        ("e1", "cancelled", "evaluation_superseded", "g1"),
        ("e2", "open", "", "g1"),  # the same section again: the old one no longer blocks it
    ]
    assert got[1]["version"] == 2


def test_same_id_new_version_supersedes_the_older_version(client, auth, settings, genesys):
    coach_v1(client, auth, settings, genesys)
    seed(genesys, "e1", [("g1", 1, 2), ("g2", 0, 1)], version=2)
    post(client, auth, event(version=2), 202)
    drain(app=client.application, settings=settings)
    got = rows(client.application)
    assert [(r["version"], r["status"], r["close"]) for r in got] == [
        (1, "cancelled", "evaluation_superseded"),
        (2, "open", ""),
    ]


def test_started_assignment_is_flagged_not_cancelled(client, auth, settings, genesys):
    coach_v1(client, auth, settings, genesys)
    (a,) = client.get("/api/v1/assignments", headers=auth).get_json()["assignments"]
    agent = bearer(settings, "agent", "agent-1")
    started = client.post(
        f"/api/v1/assignments/{a['id']}/status", json={"status": "started"}, headers=agent
    )
    assert started.status_code == 200 and started.get_json()["startedAt"]
    assert started.get_json()["status"] == "open"
    post(client, auth, event(status="Retracted", version=1), 200)
    seed(genesys, "e2", [("g1", 1, 2), ("g2", 1, 1)], version=2, retracted="e1")  # 60 %, Greeting
    post(client, auth, event("e2", version=2, retractedEvaluation={"id": "e1"}), 202)
    drain(app=client.application, settings=settings)
    (row,) = rows(client.application)  # the new version finds the agent's open Greeting one
    assert (row["status"], row["flag"]) == ("open", "evaluation_retracted")
    flagged = client.get("/api/v1/assignments?flagged=true", headers=auth).get_json()
    assert [x["reviewFlag"] for x in flagged["assignments"]] == ["evaluation_retracted"]
    assert flagged["assignments"][0]["flaggedAt"]
    assert client.get("/api/v1/assignments?flagged=false", headers=auth).get_json() == {
        "assignments": []
    }


def test_completed_assignment_is_flagged(client, auth, settings, genesys):
    coach_v1(client, auth, settings, genesys)
    (a,) = client.get("/api/v1/assignments", headers=auth).get_json()["assignments"]
    url = f"/api/v1/assignments/{a['id']}/status"
    assert client.post(url, json={"status": "completed"}, headers=auth).status_code == 200
    post(client, auth, event(status="Retracted", version=1), 200)
    (row,) = rows(client.application)
    assert (row["status"], row["flag"], row["close"]) == ("completed", "evaluation_retracted", "")


def test_deleted_evaluation_cancels_even_with_an_unchanged_version(client, auth, settings, genesys):
    coach_v1(client, auth, settings, genesys)
    out = post(client, auth, event(version=1, eventType="DELETE"), 200)
    assert (out["decision"], out["reason"]) == ("withdrawn", "evaluation_deleted")
    assert post(client, auth, event(version=1, eventType="DELETE"), 200)["decision"] == "duplicate"
    (row,) = rows(client.application)
    assert (row["status"], row["close"]) == ("cancelled", "evaluation_deleted")


def test_an_assignment_without_a_known_version_is_not_superseded_by_version_numbers(
    client, auth, settings, genesys
):
    body = {"agentId": "agent-1", "evaluationId": "e1", "sectionId": "g1"}
    assert client.post("/data-actions/assign-coaching", json=body, headers=auth).status_code == 200
    seed(genesys, "e1", [("g1", 2, 2), ("g2", 1, 1)], version=3)
    post(client, auth, event(version=3), 202)
    drain(app=client.application, settings=settings)
    (row,) = rows(client.application)
    assert (row["version"], row["status"]) == (0, "open")
    post(client, auth, event(status="Retracted", version=3), 200)  # a retraction still counts
    assert rows(client.application)[0]["status"] == "cancelled"


def test_other_evaluations_are_untouched(client, auth, settings, genesys):
    coach_v1(client, auth, settings, genesys)
    post(client, auth, event("e-other", status="Retracted", version=1), 200)
    post(client, auth, event("e-other", version=1, eventType="DELETE"), 200)
    assert rows(client.application)[0]["status"] == "open"


@pytest.mark.parametrize("where", ["input", "fetched"])
def test_triage_of_a_retracted_evaluation_withdraws(client, auth, settings, genesys, where):
    coach_v1(client, auth, settings, genesys)
    body = {"evaluationId": "e1", "conversationId": "c1"}
    if where == "input":
        body["status"] = "Retracted"
    else:
        genesys.evaluations["e1"]["status"] = "RETRACTED"
    out = client.post("/data-actions/triage-evaluation", json=body, headers=auth).get_json()
    assert (out["decision"], out["reason"]) == ("skipped", "evaluation_retracted")
    assert rows(client.application)[0]["status"] == "cancelled"


def test_agents_may_start_only_their_own_and_only_open_ones(client, auth, settings, genesys):
    coach_v1(client, auth, settings, genesys)
    (a,) = client.get("/api/v1/assignments", headers=auth).get_json()["assignments"]
    url = f"/api/v1/assignments/{a['id']}/status"
    other = bearer(settings, "agent", "agent-2")
    assert client.post(url, json={"status": "started"}, headers=other).status_code == 404
    first = client.post(url, json={"status": "started"}, headers=auth).get_json()["startedAt"]
    again = client.post(url, json={"status": "started"}, headers=auth).get_json()["startedAt"]
    assert first == again  # starting twice keeps the first time
    client.post(url, json={"status": "cancelled"}, headers=auth)
    assert client.post(url, json={"status": "started"}, headers=auth).status_code == 409


@pytest.mark.parametrize(
    ("row_version", "row_status", "version", "same"),
    [
        (1, "open", 1, True),
        (1, "cancelled", 1, True),  # an idempotent replay stays a replay
        (1, "open", 2, False),
        (2, "open", 1, False),
        (0, "open", 3, True),  # unknown version: the live assignment answers
        (3, "completed", 0, True),
        (0, "cancelled", 3, False),  # withdrawn: the new version is triaged on its own
        (3, "cancelled", 0, False),
        (0, "cancelled", 0, True),
    ],
)
def test_same_assignment(row_version, row_status, version, same):
    assert rules.same_assignment(row_version, row_status, version) is same


def test_one_evaluation_never_gets_two_assignments_across_triggers(client, auth, settings, genesys):
    coach_v1(client, auth, settings, genesys)  # via the event: version 1, section g1
    body = {"agentId": "agent-1", "evaluationId": "e1", "sectionId": "g2"}
    out = client.post("/data-actions/assign-coaching", json=body, headers=auth).get_json()
    assert (out["decision"], out["reason"]) == ("duplicate", "evaluation_already_assigned")
    dup = client.post("/data-actions/check-duplicate", json=body, headers=auth).get_json()
    assert dup["duplicate"] is True
    assert len(rows(client.application)) == 1


def test_a_late_retraction_of_v1_leaves_v2_of_the_same_id_alone(client, auth, settings, genesys):
    coach_v1(client, auth, settings, genesys)
    seed(genesys, "e1", [("g1", 2, 2), ("g2", 0, 1)], version=2)
    genesys.forms["form-v1"] = make_form([("g1", "Greeting", 10), ("g2", "Resolution", 90)])
    post(client, auth, event(version=2), 202)  # (2x10 + 0x90) / (2x10 + 1x90) = 18 %, g2
    drain(app=client.application, settings=settings)
    post(client, auth, event(status="Retracted", version=1), 200)
    got = rows(client.application)
    assert [(r["version"], r["status"], r["section"]) for r in got] == [
        (1, "cancelled", "g1"),
        (2, "open", "g2"),
    ]
    post(client, auth, event(version=2, eventType="DELETE"), 200)  # deletion takes every version
    assert [r["status"] for r in rows(client.application)] == ["cancelled", "cancelled"]
