"""The authorization matrix: every route has a row, the docs match, and every answer obeys it.

The walk calls every operation of the OpenAPI document with a token of every role and checks the
gate's answer against ``service.auth.matrix.MATRIX``: a ``no`` cell is 403 ``role_forbidden``; a
``yes`` cell is never 401 or 403; an ``own`` cell passes the gate (row-level rules may then hide
rows with a 404 or refuse another person's row with their own 403 code).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from joserfc import jwt

from service import cli, create_app
from service.auth import matrix, service
from service.auth.rules import ROLES
from service.auth.service import issue_token
from tests.conftest import basic_header

pytestmark = pytest.mark.sqlite_only

DOC = Path(__file__).resolve().parents[1] / "docs" / "authorization.md"


def _headers(settings, role: str) -> dict[str, str]:
    if role == "integration":
        return basic_header()
    token = issue_token(settings, f"{role}:u-{role}", role=role, user_id=f"u-{role}")
    return {"Authorization": f"Bearer {token}"}


def _operations(client) -> list[tuple[str, str]]:
    spec = client.get("/api/v1/openapi.json", headers=basic_header()).get_json()
    ops = []
    for path, methods in spec["paths"].items():
        for method in methods:
            ops.append((method.upper(), re.sub(r"\{\w+\}", "x-1", path)))
    return ops


def test_every_registered_route_has_a_row(app: Flask):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(matrix.MATRIX))
    stale = sorted(set(matrix.MATRIX) - endpoints)
    assert missing == [], f"add these endpoints to service/auth/matrix.py: {missing}"
    assert stale == [], f"these matrix rows name no route: {stale}"


def test_docs_page_is_generated_from_the_matrix(app: Flask):
    expected = matrix.document(matrix.app_routes(app))
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/authorization.md is stale: python -m service.auth.matrix > docs/authorization.md"
    )


def test_every_role_is_a_column_and_data_actions_are_integration_only(app: Flask):
    for _method, path, endpoint in matrix.app_routes(app):
        row = matrix.MATRIX[endpoint]
        assert set(row.cells) == set(ROLES) or row.public, endpoint
        if path.startswith("/data-actions/"):
            assert [r for r in ROLES if row.cell(r) != "no"] == ["integration"], endpoint


@pytest.mark.parametrize("role", ROLES)
def test_every_openapi_route_answers_as_the_matrix_says(app: Flask, client, settings, role):
    headers = _headers(settings, role)
    ops = _operations(client)
    assert len(ops) >= 40
    adapter = app.url_map.bind("localhost")
    wrong = []
    for method, path in ops:
        endpoint, _ = adapter.match(path, method=method)
        cell = matrix.MATRIX[endpoint].cell(role)
        body = {} if method in ("POST", "PUT") else None
        resp = client.open(path, method=method, json=body, headers=headers)
        code = (resp.get_json(silent=True) or {}).get("code")
        ok = {
            "no": resp.status_code == 403 and code == "role_forbidden",
            "yes": resp.status_code not in (401, 403),
            "own": resp.status_code != 401 and code != "role_forbidden",
        }[cell]
        if not ok:
            wrong.append((method, path, cell, resp.status_code, code))
    assert wrong == []


@pytest.mark.parametrize("path", ["/health"])
def test_public_routes_need_no_credential(client, path):
    assert client.get(path).status_code == 200


def test_a_route_without_a_row_is_refused(settings):
    app = create_app(settings)
    app.add_url_rule("/api/v1/unlisted", "unlisted", lambda: "leak")
    resp = app.test_client().get("/api/v1/unlisted", headers=basic_header())
    assert resp.status_code == 403
    assert resp.get_json()["code"] == "no_access_rule"


# --- person tokens name the person -----------------------------------------------------------


@pytest.mark.parametrize("uid", ["", "   ", None])
@pytest.mark.parametrize("role", ["agent", "evaluator", "supervisor", "admin"])
def test_person_token_without_user_id_is_401(client, settings, role, uid):
    claims = {"iss": "qmloop", "sub": "p", "role": role, "iat": 0, "exp": 2**40}
    if uid is not None:
        claims["uid"] = uid
    forged = jwt.encode({"alg": "HS256"}, claims, service._signing_key(settings))
    resp = client.get("/api/v1/assignments", headers={"Authorization": f"Bearer {forged}"})
    assert resp.status_code == 401
    assert resp.get_json()["code"] == "invalid_token"


def test_issue_token_refuses_a_person_without_user_id(settings):
    with pytest.raises(ValueError):
        issue_token(settings, "agent:", role="agent", user_id=" ")
    assert issue_token(settings, "client", role="integration")  # the client has no person


@pytest.mark.parametrize("user_id,exit_code", [("", 2), ("  ", 2), ("agent-7", 0)])
def test_cli_token_issue_needs_a_user_id(settings, monkeypatch, user_id, exit_code):
    monkeypatch.setattr(cli, "load_settings", lambda **kw: settings)
    result = CliRunner().invoke(
        cli.main, ["token", "issue", "--role", "evaluator", "--user-id", user_id]
    )
    assert result.exit_code == exit_code, result.output


# --- the org allow-list (issue 9 item 12) ----------------------------------------------------


@pytest.fixture
def limited(settings):
    return create_app(settings.model_copy(update={"org_allowlist": ["org-a"]})).test_client()


ACTION = ("/data-actions/check-duplicate", {"agentId": "a1", "sectionId": "s1"})


@pytest.mark.parametrize(
    "org,status,code",
    [
        (None, 403, "org_header_required"),
        ("", 403, "org_header_required"),
        ("  ", 403, "org_header_required"),
        ("org-b", 403, "org_not_allowed"),
        ("org-a", 200, None),
    ],
)
def test_allowlist_needs_the_org_header_on_data_actions(limited, org, status, code):
    headers = basic_header() | ({} if org is None else {"ININ-Organization-Id": org})
    resp = limited.post(ACTION[0], json=ACTION[1], headers=headers)
    assert resp.status_code == status
    assert (resp.get_json() or {}).get("code") == code


@pytest.mark.parametrize("org,status", [(None, 403), ("", 403), ("org-b", 403), ("org-a", 200)])
def test_allowlist_needs_the_org_header_on_token_issue(limited, org, status):
    headers = basic_header() | ({} if org is None else {"ININ-Organization-Id": org})
    resp = limited.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=headers)
    assert resp.status_code == status
    assert ("access_token" in resp.get_json()) is (status == 200)


@pytest.mark.parametrize("org,status", [(None, 200), ("org-a", 200), ("org-b", 403)])
def test_allowlist_on_rest_routes_checks_a_sent_header_only(limited, org, status):
    headers = basic_header() | ({} if org is None else {"ININ-Organization-Id": org})
    assert limited.get("/api/v1/jobs", headers=headers).status_code == status


def test_no_allowlist_needs_no_header(client, auth):
    assert client.post(ACTION[0], json=ACTION[1], headers=auth).status_code == 200


# --- row-level rules still hold behind the gate ----------------------------------------------


@pytest.mark.parametrize("role", ["agent", "evaluator"])
def test_people_see_only_their_own_assignments(client, settings, auth, role):
    for agent, ev in (("u-me", "e1"), ("u-other", "e2")):
        body = {"agentId": agent, "evaluationId": ev, "sectionId": "s"}
        assert (
            client.post("/data-actions/assign-coaching", json=body, headers=auth).status_code == 200
        )
    me = {"Authorization": f"Bearer {issue_token(settings, 'p', role=role, user_id='u-me')}"}
    seen = client.get("/api/v1/assignments?agentId=u-other", headers=me).get_json()
    assert [a["agentId"] for a in seen["assignments"]] == ["u-me"]
    staff = client.get("/api/v1/assignments", headers=auth).get_json()["assignments"]
    other = next(a["id"] for a in staff if a["agentId"] == "u-other")
    assert client.get(f"/api/v1/assignments/{other}", headers=me).status_code == 404


def test_openapi_lists_each_operations_roles(client):
    spec = client.get("/api/v1/openapi.json", headers=basic_header()).get_json()
    action = spec["paths"]["/data-actions/score-transcript"]["post"]
    assert action["x-roles"] == {"integration": "yes"}
    assert "403" in action["responses"] and "415" in action["responses"]
    purge = spec["paths"]["/api/v1/jobs/purge"]["post"]["x-roles"]
    assert purge == {"integration": "yes", "admin": "yes"}
