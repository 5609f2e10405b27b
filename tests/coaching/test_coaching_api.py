"""The coaching HTTP surface: data actions, events, assignments, policies, bad input."""

from __future__ import annotations

import json

import pytest

from service.auth.service import issue_token
from service.jobs.service import drain

from .memory_genesys import make_evaluation, make_form

SLUGS = [
    "normalize-score",
    "weakest-section",
    "check-duplicate",
    "assign-coaching",
    "triage-evaluation",
]

OUTPUT_KEYS = {
    "normalize-score": {
        "evaluationId",
        "percentage",
        "eligible",
        "belowThreshold",
        "threshold",
        "decision",
        "reason",
    },
    "weakest-section": {
        "found",
        "sectionId",
        "sectionName",
        "sectionPercentage",
        "coachingModuleId",
        "reason",
    },
    "check-duplicate": {"duplicate", "reason", "existingAssignmentId"},
    "assign-coaching": {"decision", "assignmentId", "dueDate", "target", "reason"},
    "triage-evaluation": {
        "decision",
        "percentage",
        "sectionId",
        "sectionName",
        "assignmentId",
        "dueDate",
        "reason",
    },
}

VALID = {
    "normalize-score": {"evaluationId": "e1", "status": "FINISHED", "score": 40, "totalPoints": 50},
    "weakest-section": {"conversationId": "c1", "evaluationId": "e1"},
    "check-duplicate": {"agentId": "a1", "sectionId": "s1"},
    "assign-coaching": {"agentId": "a1", "evaluationId": "e1", "sectionId": "s1"},
    "triage-evaluation": {"evaluationId": "e1", "conversationId": "c1"},
}


def bearer(settings, role, user_id="u-1"):
    return {"Authorization": f"Bearer {issue_token(settings, 'person', role, user_id)}"}


def post(client, auth, slug, body):
    return client.post(f"/data-actions/{slug}", json=body, headers=auth)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_output_key_present_and_never_null(client, auth, slug):
    resp = post(client, auth, slug, {**VALID[slug], "unknownField": {"nested": 1}})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert set(body) == OUTPUT_KEYS[slug]
    assert all(v is not None for v in body.values())


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{not json", "bad_json"),
        (b"", "empty_body"),
        (b"[1, 2]", "not_an_object"),
        (b'"text"', "not_an_object"),
        (b"{}", "validation_error"),
    ],
)
def test_bad_bodies_are_400_problems(client, auth, slug, raw, code):
    resp = client.post(
        f"/data-actions/{slug}", data=raw, headers={**auth, "Content-Type": "application/json"}
    )
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["code"] == code


@pytest.mark.parametrize(
    ("slug", "field", "value"),
    [
        ("normalize-score", "score", "lots"),
        ("normalize-score", "score", -1),
        ("normalize-score", "totalPoints", [1]),
        ("normalize-score", "threshold", 101),
        ("normalize-score", "score", 60),  # more than totalPoints
        ("weakest-section", "evaluation", "not-an-object"),
        ("check-duplicate", "agentId", ""),
        ("check-duplicate", "sectionId", {"id": 1}),
        ("assign-coaching", "percentage", 150),
        ("assign-coaching", "evaluationDate", "someday"),
        ("assign-coaching", "agentId", "x" * 200),
        ("triage-evaluation", "conversationId", None),
    ],
)
def test_wrong_types_are_400(client, auth, slug, field, value):
    resp = post(client, auth, slug, {**VALID[slug], field: value})
    assert resp.status_code == 400, resp.get_json()
    assert resp.get_json()["errors"]


def test_unauthenticated_and_agent_calls_are_refused(client, settings):
    assert post(client, {}, "assign-coaching", VALID["assign-coaching"]).status_code == 401
    agent = bearer(settings, "agent", "a1")
    assert post(client, agent, "assign-coaching", VALID["assign-coaching"]).status_code == 403


@pytest.mark.parametrize(
    ("score", "decision", "reason"),
    [
        (74.99, "coach", "below_threshold"),
        (75, "skip", "meets_threshold"),
        (75.01, "skip", "meets_threshold"),
    ],
)
def test_normalize_score_threshold_table(client, auth, score, decision, reason):
    body = {"evaluationId": "e", "status": "Finished", "score": score, "totalPoints": 100}
    out = post(client, auth, "normalize-score", body).get_json()
    assert (out["decision"], out["reason"], out["threshold"]) == (decision, reason, 75.0)


def test_normalize_score_zero_points_and_policy_threshold(client, auth, put_policy, caplog):
    body = {"evaluationId": "e", "status": "FINISHED", "score": 0, "totalPoints": 0}
    out = post(client, auth, "normalize-score", body).get_json()
    assert (out["decision"], out["reason"], out["percentage"]) == ("skip", "zero_total_points", 0)
    assert "form integrity" in caplog.text
    put_policy(form_id="f80", threshold=80)
    out = post(
        client,
        auth,
        "normalize-score",
        {
            "evaluationId": "e",
            "status": "approved",
            "score": 39,
            "totalPoints": 50,
            "formId": "f80",
        },
    ).get_json()
    assert (out["percentage"], out["threshold"], out["decision"]) == (78.0, 80.0, "coach")


def test_weakest_section_inline_and_fetched(client, auth, genesys, put_policy):
    put_policy(form_id="form-v1", sections={"g1": "mod-greet"})
    form = make_form([("g1", "Greeting", 40), ("g2", "Resolution", 20)])
    ev = make_evaluation("e1", [("g1", 1, 2), ("g2", 1, 1)])
    inline = {**ev, "evaluationForm": form}
    out = post(
        client,
        auth,
        "weakest-section",
        {"conversationId": "c", "evaluationId": "e1", "evaluation": inline},
    ).get_json()
    assert out == {
        "found": True,
        "sectionId": "g1",
        "sectionName": "Greeting",
        "sectionPercentage": 50.0,
        "coachingModuleId": "mod-greet",
        "reason": "weakest_section",
    }
    genesys.forms["form-v1"] = form
    genesys.evaluations["e1"] = ev
    fetched = post(client, auth, "weakest-section", VALID["weakest-section"]).get_json()
    assert fetched == out
    missing = post(
        client, auth, "weakest-section", {"conversationId": "c", "evaluationId": "nope"}
    ).get_json()
    assert (missing["found"], missing["reason"]) == (False, "evaluation_not_found")


def test_weakest_section_genesys_down_is_503(client, auth, genesys):
    genesys.fail_next["get_evaluation"] = 1
    resp = post(client, auth, "weakest-section", VALID["weakest-section"])
    assert resp.status_code == 503 and resp.get_json()["code"] == "genesys_unavailable"


def test_assign_and_triage_over_http(client, auth, genesys):
    genesys.forms["form-v1"] = make_form([("g1", "Greeting", 40), ("g2", "Resolution", 20)])
    genesys.evaluations["e9"] = make_evaluation("e9", [("g1", 1, 2), ("g2", 1, 1)])
    out = post(
        client,
        auth,
        "triage-evaluation",
        {"evaluationId": "e9", "conversationId": "c9", "status": "FINISHED"},
    ).get_json()
    assert (out["decision"], out["percentage"], out["sectionName"]) == (
        "assigned",
        60.0,
        "Greeting",
    )
    again = post(
        client,
        auth,
        "assign-coaching",
        {"agentId": "agent-1", "evaluationId": "e9", "sectionId": "g1"},
    ).get_json()
    assert (again["decision"], again["assignmentId"]) == ("duplicate", out["assignmentId"])


def event(evaluation_id="e1", status="Finished", **kw):
    return {
        "id": evaluation_id,
        "conversationId": "c1",
        "evaluationFormId": "form-v1",
        "status": status,
        "agent": {"id": "agent-1"},
        "eventType": "UPDATE",
        **kw,
    }


def test_event_is_queued_once_then_duplicate(client, auth, settings, genesys):
    genesys.forms["form-v1"] = make_form([("g1", "Greeting", 40), ("g2", "Resolution", 20)])
    genesys.evaluations["e1"] = make_evaluation("e1", [("g1", 1, 2), ("g2", 1, 1)])
    first = client.post("/api/v1/events/genesys", json=event(), headers=auth)
    assert first.status_code == 202 and first.get_json()["decision"] == "queued"
    envelope = {"topicName": "v2.quality.evaluations", "eventBody": event()}
    second = client.post("/api/v1/events/genesys", json=envelope, headers=auth)
    assert second.status_code == 200
    assert second.get_json() == {
        **first.get_json(),
        "decision": "duplicate",
        "reason": "event_already_processed",
    }
    drain(app=client.application, settings=settings)
    listed = client.get("/api/v1/assignments?evaluationId=e1", headers=auth).get_json()
    assert [a["trigger"] for a in listed["assignments"]] == ["event"]


def test_event_not_final_and_other_topics_are_skipped(client, auth):
    resp = client.post("/api/v1/events/genesys", json=event(status="InProgress"), headers=auth)
    assert (resp.status_code, resp.get_json()["reason"]) == (200, "not_final")
    other = {"topicName": "v2.users.123.presence", "eventBody": {"x": 1}}
    resp = client.post("/api/v1/events/genesys", json=other, headers=auth)
    assert resp.get_json()["reason"] == "unsupported_topic"


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"[]",
        json.dumps({"id": "e1"}).encode(),
        json.dumps({**event(), "disputeCount": "many"}).encode(),
    ],
)
def test_bad_events_are_400(client, auth, body):
    resp = client.post(
        "/api/v1/events/genesys", data=body, headers={**auth, "Content-Type": "application/json"}
    )
    assert resp.status_code == 400 and resp.mimetype == "application/problem+json"


def test_agents_see_only_their_own_assignments(client, auth, settings):
    for agent, ev in (("a1", "e1"), ("a2", "e2")):
        post(
            client,
            auth,
            "assign-coaching",
            {"agentId": agent, "evaluationId": ev, "sectionId": "s"},
        )
    staff = client.get("/api/v1/assignments", headers=bearer(settings, "supervisor")).get_json()
    assert {a["agentId"] for a in staff["assignments"]} == {"a1", "a2"}
    mine = client.get(
        "/api/v1/assignments?agentId=a2", headers=bearer(settings, "agent", "a1")
    ).get_json()
    assert [a["agentId"] for a in mine["assignments"]] == ["a1"]
    other_id = next(a["id"] for a in staff["assignments"] if a["agentId"] == "a2")
    own_id = next(a["id"] for a in staff["assignments"] if a["agentId"] == "a1")
    agent = bearer(settings, "agent", "a1")
    assert client.get(f"/api/v1/assignments/{other_id}", headers=agent).status_code == 404
    assert client.get(f"/api/v1/assignments/{own_id}", headers=agent).status_code == 200
    cancel = client.post(
        f"/api/v1/assignments/{own_id}/status", json={"status": "cancelled"}, headers=agent
    )
    assert cancel.status_code == 403
    done = client.post(
        f"/api/v1/assignments/{own_id}/status", json={"status": "completed"}, headers=agent
    )
    assert done.status_code == 200 and done.get_json()["status"] == "completed"
    again = client.post(
        f"/api/v1/assignments/{own_id}/status", json={"status": "completed"}, headers=agent
    )
    assert again.status_code == 409


def test_assignment_query_validation(client, auth):
    assert client.get("/api/v1/assignments?limit=0", headers=auth).status_code == 400
    assert client.get("/api/v1/assignments?status=weird", headers=auth).status_code == 400
    assert client.get("/api/v1/assignments/nope", headers=auth).status_code == 404


def test_policy_put_get_list_delete(client, auth, settings):
    doc = {"policy": {"threshold": 80, "sections": {"Empathy": "mod-e"}, "target": "local"}}
    put = client.put("/api/v1/policies/form-1", json=doc, headers=auth)
    assert put.status_code == 200 and put.get_json()["version"] == 1
    put2 = client.put("/api/v1/policies/form-1", json={"policy": {"threshold": 70}}, headers=auth)
    assert put2.get_json()["version"] == 2
    got = client.get("/api/v1/policies/form-1", headers=auth).get_json()
    assert got["policy"] == {"form_id": "form-1", "name": "", "threshold": 70.0, "sections": {}}
    assert len(client.get("/api/v1/policies", headers=auth).get_json()["policies"]) == 1
    sup = bearer(settings, "supervisor")
    assert client.put("/api/v1/policies/form-1", json=doc, headers=sup).status_code == 403
    bad = client.put("/api/v1/policies/form-1", json={"policy": {"treshold": 1}}, headers=auth)
    assert bad.status_code == 400
    wrong = client.put("/api/v1/policies/form-1", json={"policy": {"target": "fax"}}, headers=auth)
    assert wrong.status_code == 400
    assert client.delete("/api/v1/policies/form-1", headers=auth).status_code == 200
    assert client.get("/api/v1/policies/form-1", headers=auth).status_code == 404


@pytest.mark.parametrize(
    "evaluation",
    [
        {},
        {"answers": 5},
        {"answers": {"questionGroupScores": 7}},
        {"answers": {"questionGroupScores": [1, "x", None, {"questionGroupId": {"a": 1}}]}},
        {"evaluationForm": {"questionGroups": 3}, "answers": {"questionGroupScores": {}}},
        {"evaluationForm": [], "sections": [{"id": "s", "score": 1e308, "totalPoints": 1e-308}]},
        {"sections": [{"id": "s", "score": 1, "totalPoints": 2, "weight": 1e308}] * 3},
        {"sections": "abc"},
        {
            "evaluationForm": {"questionGroups": [{"id": "g", "weight": "heavy"}]},
            "answers": {
                "questionGroupScores": [
                    {
                        "questionGroupId": "g",
                        "totalScoreUnweighted": "1",
                        "maxTotalScoreUnweighted": True,
                    }
                ]
            },
        },
    ],
)
def test_weakest_section_survives_odd_inline_evaluations(client, auth, evaluation):
    body = {"conversationId": "c", "evaluationId": "e", "evaluation": evaluation}
    resp = post(client, auth, "weakest-section", body)
    assert resp.status_code == 200, resp.get_json()
    assert set(resp.get_json()) == OUTPUT_KEYS["weakest-section"]


def test_slow_genesys_is_queued_within_the_budget(client, auth, settings, genesys):
    import time

    settings.coaching_genesys_budget_seconds = 0.3
    genesys.forms["form-v1"] = make_form([("g1", "Greeting", 40), ("g2", "Resolution", 20)])
    genesys.evaluations["e1"] = make_evaluation("e1", [("g1", 1, 2), ("g2", 1, 1)])
    slow_user = genesys.get_user

    def get_user(user_id):
        time.sleep(1.5)  # a client waiting out Retry-After
        return slow_user(user_id)

    genesys.get_user = get_user
    for slug, body in (
        ("triage-evaluation", {"evaluationId": "e1", "conversationId": "c1"}),
        ("assign-coaching", {"agentId": "agent-1", "evaluationId": "e2", "sectionId": "g1"}),
    ):
        started = time.monotonic()
        out = post(client, auth, slug, body).get_json()
        assert time.monotonic() - started < 1.2
        assert (out["decision"], out["reason"]) == ("queued", "genesys_unavailable")
    resp = post(client, auth, "weakest-section", {"conversationId": "c1", "evaluationId": "e1"})
    assert resp.status_code == 200  # no user lookup there: fast enough
    genesys.get_evaluation = lambda c, e: time.sleep(1.5)
    resp = post(client, auth, "weakest-section", {"conversationId": "c1", "evaluationId": "e1"})
    assert resp.status_code == 503


def test_refinished_after_dispute_is_triaged_again(client, auth, settings, genesys):
    genesys.forms["form-v1"] = make_form([("g1", "Greeting", 40), ("g2", "Resolution", 20)])
    genesys.evaluations["e1"] = make_evaluation("e1", [("g1", 1, 2), ("g2", 1, 1)])
    genesys.evaluations["e1"]["status"] = "INREVIEW"  # disputed before the first triage ran
    first = client.post("/api/v1/events/genesys", json=event(), headers=auth).get_json()
    drain(app=client.application, settings=settings)
    genesys.evaluations["e1"]["status"] = "FINISHED"
    second = client.post("/api/v1/events/genesys", json=event(disputeCount=1), headers=auth)
    assert second.status_code == 202 and second.get_json()["jobId"] != first["jobId"]
    drain(app=client.application, settings=settings)
    listed = client.get("/api/v1/assignments?evaluationId=e1", headers=auth).get_json()
    assert len(listed["assignments"]) == 1


def test_a_long_person_id_can_change_a_policy(client, settings):
    # The subject is "<role>:<user id>"; a 128-character Genesys id made it longer than the
    # 128-character updated_by column (a 500 on PostgreSQL).
    uid = "u" * 128
    token = issue_token(settings, f"admin:{uid}", role="admin", user_id=uid)
    headers = {"Authorization": f"Bearer {token}"}
    put = client.put("/api/v1/policies/f-long", json={"policy": {"threshold": 70}}, headers=headers)
    assert put.status_code == 200, put.get_json()
