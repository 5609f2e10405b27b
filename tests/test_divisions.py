"""Divisions: a person of division A sees nothing of division B through any route or page.

Data is seeded in both divisions (coaching assignments and sessions, reviews with disputes,
calibration sessions, recognitions); a supervisor, a QA manager (evaluator) and an admin granted
only division A then walk every operation of the OpenAPI document and every ``/app/`` page, with
B's object ids in the path where a route takes one. No response may name a B id, and B's objects
answer 404 (or 403 where the route spans the whole org). Controls: the same walk shows A's ids,
and an unscoped token does see B's.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask

from service.auth.matrix import ALL_DIVISIONS_ONLY
from service.auth.service import issue_token
from service.calibration.models import (
    CalibrationInteraction,
    CalibrationPanelist,
    CalibrationSession,
    RubricNote,
)
from service.db import get_db, utcnow
from service.directory import service as directory
from service.disputes.models import Review
from service.sentiment.models import Recognition
from service.workspace.models import CoachingSession
from tests.conftest import basic_header

A, B = "div-a", "div-b"
PEOPLE = {"supervisor": "sup-a", "evaluator": "qa-a", "admin": "adm-a"}


def _seed_division(app: Flask, client: Any, div: str) -> dict[str, str]:
    """One of everything for ``agent-<div>``; returns the ids by kind."""
    agent = f"agent-{div}"
    body = {"agentId": agent, "evaluationId": f"eval-{div}", "sectionId": "s1"}
    resp = client.post("/data-actions/assign-coaching", json=body, headers=basic_header())
    assert resp.status_code == 200, resp.get_json()
    ids = {"agent": agent, "evaluation": f"eval-{div}", "review": f"rev-eval-{div}"}
    with get_db(app).session_scope() as db:
        directory.put(db, "user", agent, div, f"Agent {div}")
        review = Review(
            evaluation_id=ids["review"],
            conversation_id=f"conv-rev-{div}",
            agent_id=agent,
            supervisor_id="sup-a",  # A's supervisor is B's agent's manager too: divisions win
            status="pending_supervisor_review",
            rounds=1,
        )
        coaching = CoachingSession(
            name=f"Coaching {div}", agent_id=agent, coach_id="sup-a", assigned_on=date.today()
        )
        cal = CalibrationSession(
            name=f"Calibration {div}",
            form_id="form-1",
            expert_id="qa-a",
            calibrator_id="qa-a",
            deadline=utcnow() + timedelta(days=3),
        )
        cal.interactions = [
            CalibrationInteraction(conversation_id=f"conv-cal-{div}", agent_id=agent)
        ]
        cal.panel = [CalibrationPanelist(evaluator_id=p) for p in ("qa-a", "sup-a", "adm-a")]
        rec = Recognition(
            agent_id=agent, day=date.today(), conversation_id=f"conv-rec-{div}", customer_score=0.9
        )
        db.add_all([review, coaching, cal, rec])
        db.flush()
        version = 1 if div == A else 2
        db.add(
            RubricNote(
                form_id="form-1", question_id="q1", version=version, text=div, session_id=cal.id
            )
        )
        ids.update(coaching=coaching.id, calibration=cal.id, recognition=rec.id)
        ids["interaction"] = cal.interactions[0].id
    listed = client.get(f"/api/v1/assignments?agentId={agent}", headers=basic_header())
    ids["assignment"] = listed.get_json()["assignments"][0]["id"]
    return ids


@pytest.fixture
def seeded(app: Flask, client) -> dict[str, dict[str, str]]:
    return {div: _seed_division(app, client, div) for div in (A, B)}


def _token(settings, role: str, divisions: frozenset[str] | None = frozenset({A})) -> dict:
    uid = PEOPLE.get(role, f"u-{role}")
    token = issue_token(settings, f"{role}:{uid}", role=role, user_id=uid, divisions=divisions)
    return {"Authorization": f"Bearer {token}"}


def _b_ids(seeded: dict[str, dict[str, str]]) -> set[str]:
    b = seeded[B]
    return set(b.values()) | {f"conv-rev-{B}", f"conv-cal-{B}", f"conv-rec-{B}"}


# Path parameters filled with a B object (others with a placeholder).
def _b_params(seeded: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    b = seeded[B]
    return {
        "assignment_id": [b["assignment"]],
        "session_id": [b["calibration"], b["coaching"]],
        "evaluation_id": [b["review"], b["evaluation"]],
    }


def _expand(path: str, params: dict[str, list[str]]) -> list[tuple[str, bool]]:
    """(concrete path, names a B object) for every B value of the path's parameters."""
    names = re.findall(r"[{<](?:\w+:)?(\w+)[}>]", path)
    known = [n for n in names if n in params]

    def fill(values: dict[str, str]) -> str:
        return re.sub(r"[{<](?:\w+:)?(\w+)[}>]", lambda m: values.get(m.group(1), "x-1"), path)

    if not known:
        return [(fill({}), False)]
    return [(fill({known[0]: v}), True) for v in params[known[0]]]


def _leaks(text: str, b_ids: set[str], asked: str = "") -> list[str]:
    """B ids in a response; a 404 may repeat the id the caller put in the path (that tells
    them nothing they did not send; the status checks cover what the route answered)."""
    return sorted(i for i in b_ids if i in text and i not in asked)


# Reads with a query string (the walk below only fills path parameters): filters naming B.
QUERIES = [
    "/api/v1/calibration/rubric-notes?formId=form-1",
    f"/api/v1/assignments?agentId=agent-{B}",
    f"/api/v1/assignments?evaluationId=eval-{B}",
    f"/api/v1/reviews?tab=disputes&agentId=agent-{B}",
    "/api/v1/reviews?tab=resolved",
    f"/api/v1/sentiment/recognitions?agentId=agent-{B}",
    f"/api/v1/sentiment/balance?agentId=agent-{B}",
    "/app/reviews?tab=disputes",
    "/app/coaching?status=assigned",
]


def _walk_queries(client, headers, seeded) -> tuple[list, str]:
    b_ids, wrong, seen = _b_ids(seeded), [], []
    for path in QUERIES:
        resp = client.get(path, headers=headers)
        text = resp.get_data(as_text=True)
        seen.append(text)
        if _leaks(text, b_ids, path):
            wrong.append((path, _leaks(text, b_ids, path)))
    return wrong, "\n".join(seen)


def _walk_api(app, client, headers, seeded) -> tuple[list, str]:
    spec = client.get("/api/v1/openapi.json", headers=basic_header()).get_json()
    adapter = app.url_map.bind("localhost")
    b_ids, params, wrong, seen = _b_ids(seeded), _b_params(seeded), [], []
    for path, methods in spec["paths"].items():
        for method in methods:
            for concrete, names_b in _expand(path, params):
                endpoint, _ = adapter.match(concrete, method=method.upper())
                body = {} if method.upper() in ("POST", "PUT") else None
                resp = client.open(concrete, method=method.upper(), json=body, headers=headers)
                text = resp.get_data(as_text=True)
                seen.append(text)
                if _leaks(text, b_ids, concrete):
                    wrong.append((method, concrete, "leaks", _leaks(text, b_ids, concrete)))
                if names_b and resp.status_code < 400:
                    wrong.append((method, concrete, "answers", resp.status_code))
                code = (resp.get_json(silent=True) or {}).get("code")
                if endpoint in ALL_DIVISIONS_ONLY and resp.status_code != 403:
                    wrong.append((method, concrete, "org-wide route answered", resp.status_code))
                if names_b and method == "get" and resp.status_code not in (403, 404):
                    wrong.append((method, concrete, "not 404", resp.status_code, code))
    return wrong, "\n".join(seen)


@pytest.mark.parametrize("role", ["supervisor", "evaluator", "admin"])
def test_a_division_a_person_sees_nothing_of_b_through_any_route(
    app, client, settings, seeded, role
):
    wrong, seen = _walk_api(app, client, _token(settings, role), seeded)
    assert wrong == []
    assert seeded[A]["agent"] in seen  # the control: A's own data is there
    wrong, seen = _walk_queries(client, _token(settings, role), seeded)
    assert wrong == []
    assert seeded[A]["calibration"] in seen  # A's rubric note keeps its session


def test_the_query_walk_sees_b_without_a_scope(client, settings, seeded):
    _wrong, seen = _walk_queries(client, _token(settings, "admin", None), seeded)
    assert seeded[B]["calibration"] in seen and seeded[B]["assignment"] in seen


def test_an_unscoped_token_sees_both_divisions(app, client, settings, seeded):
    body = client.get("/api/v1/assignments", headers=_token(settings, "admin", None)).get_data(
        as_text=True
    )
    assert seeded[A]["assignment"] in body and seeded[B]["assignment"] in body
    scoped = client.get("/api/v1/assignments", headers=_token(settings, "admin")).get_data(
        as_text=True
    )
    assert seeded[A]["assignment"] in scoped and seeded[B]["assignment"] not in scoped


def test_org_wide_routes_refuse_a_scoped_person_with_403(client, settings, seeded):
    resp = client.get("/api/v1/jobs", headers=_token(settings, "admin"))
    assert resp.status_code == 403
    assert resp.get_json()["code"] == "all_divisions_required"
    assert client.get("/api/v1/jobs", headers=_token(settings, "admin", None)).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("POST", "/api/v1/replay", "admin"),
        ("GET", "/api/v1/insights/effectiveness", "supervisor"),
        ("GET", "/api/v1/insights/trust", "supervisor"),
        ("GET", "/api/v1/insights/alerts", "admin"),
        ("POST", "/api/v1/insights/alerts/check", "admin"),
    ],
)
def test_replay_and_insights_span_the_org(client, settings, method, path, role):
    body = {"from": "2026-11-02", "to": "2026-11-08"} if path.endswith("replay") else None
    resp = client.open(path, method=method, json=body, headers=_token(settings, role))
    assert resp.status_code == 403
    assert resp.get_json()["code"] == "all_divisions_required"


@pytest.mark.parametrize(
    "path",
    [
        "/app/console",
        "/app/console/jobs",
        "/app/console/replay",
        "/app/console/policies",
        "/app/console/trust",
        "/app/console/effectiveness",
    ],
)
def test_the_console_spans_the_org(app, settings, path):
    settings.web_dev_signin = True
    web = app.test_client()
    _dev_signin(web, "admin", A, "")
    assert web.get(path).status_code == 403
    page = web.get("/app/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/app/console' not in page  # no dead link
    unscoped = app.test_client()
    _dev_signin(unscoped, "admin", "", "")
    assert unscoped.get(path).status_code == 200
    assert 'href="/app/console"' in unscoped.get("/app/", follow_redirects=True).get_data(
        as_text=True
    )


def test_an_agent_missing_from_the_directory_is_outside_every_scope(app, client, settings):
    body = {"agentId": "agent-unknown", "evaluationId": "eval-u", "sectionId": "s1"}
    client.post("/data-actions/assign-coaching", json=body, headers=basic_header())
    listed = client.get("/api/v1/assignments", headers=_token(settings, "supervisor"))
    assert listed.get_json()["assignments"] == []
    with get_db(app).session_scope() as db:
        directory.put(db, "user", "agent-unknown", A)
    listed = client.get("/api/v1/assignments", headers=_token(settings, "supervisor"))
    assert [a["agentId"] for a in listed.get_json()["assignments"]] == ["agent-unknown"]


# --- pages ---------------------------------------------------------------------------------


def _dev_signin(client, role: str, divisions: str, team: str) -> None:
    html = client.get("/app/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert csrf
    form = {
        "csrf_token": csrf.group(1),
        "user_id": PEOPLE[role],
        "role": role,
        "team": team,
        "divisions": divisions,
    }
    assert client.post("/app/auth/dev", data=form).status_code == 303


@pytest.mark.parametrize("role", ["supervisor", "evaluator", "admin"])
def test_every_page_hides_division_b(app, settings, seeded, role):
    settings.web_dev_signin = True
    web = app.test_client()
    # The team names both agents (a supervisor's direct reports may span divisions).
    _dev_signin(web, role, A, f"agent-{A},agent-{B}")
    b_ids, params, wrong, seen = _b_ids(seeded), _b_params(seeded), [], []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/app/") or "static" in rule.rule:
            continue
        if "GET" not in (rule.methods or ()) or rule.rule in (
            "/app/auth/start",
            "/app/auth/callback",
        ):
            continue
        for concrete, names_b in _expand(rule.rule, params):
            resp = web.get(concrete)
            text = resp.get_data(as_text=True)
            seen.append(text)
            if _leaks(text, b_ids, concrete):
                wrong.append((concrete, _leaks(text, b_ids, concrete)))
            if names_b and resp.status_code not in (403, 404):
                wrong.append((concrete, resp.status_code))
    assert wrong == []
    assert any(seeded[A]["agent"] in page or f"Coaching {A}" in page for page in seen)
