"""Auth: the token endpoint, Bearer and Basic on every route, and the 401 envelope."""

from __future__ import annotations

import base64
import time

import pytest
from pydantic import SecretStr

from service.auth import rules
from service.auth.service import issue_token
from tests.conftest import CLIENT_ID, CLIENT_SECRET, basic_header

PROTECTED = "/api/v1/jobs"


def _token(client, **kw):
    return client.post("/oauth/token", data={"grant_type": "client_credentials"}, **kw)


def test_token_with_basic_client_auth(client):
    resp = _token(client, headers=basic_header())
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 86400
    api = client.get(PROTECTED, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert api.status_code == 200


def test_token_with_form_client_auth(client):
    resp = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )
    assert resp.status_code == 200
    assert resp.get_json()["access_token"]


@pytest.mark.parametrize(
    "headers,data",
    [
        (basic_header(secret="wrong"), {"grant_type": "client_credentials"}),
        (basic_header(client_id="other"), {"grant_type": "client_credentials"}),
        ({}, {"grant_type": "client_credentials"}),
        (basic_header(), {"grant_type": "password"}),
    ],
)
def test_token_refused(client, headers, data):
    resp = client.post("/oauth/token", headers=headers, data=data)
    assert resp.status_code in (400, 401)
    assert "access_token" not in (resp.get_json() or {})


@pytest.mark.parametrize(
    "header,code",
    [
        (None, "missing_auth"),
        ("Bearer not-a-token", "invalid_token"),
        ("Basic " + base64.b64encode(b"genesys-integration:nope").decode(), "invalid_client"),
        ("Basic !!!notbase64", "invalid_auth_scheme"),
        ("Digest abc", "invalid_auth_scheme"),
    ],
)
def test_protected_route_rejects(client, header, code):
    headers = {"Authorization": header} if header else {}
    resp = client.get(PROTECTED, headers=headers)
    assert resp.status_code == 401
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["code"] == code


def test_basic_auth_accepted(client, auth):
    assert client.get(PROTECTED, headers=auth).status_code == 200


def test_expired_token_is_401(client, settings, monkeypatch):
    token = issue_token(settings, CLIENT_ID)
    monkeypatch.setattr(time, "time", lambda: 10**10)
    resp = client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401


def test_token_from_other_secret_is_rejected(client, settings):
    forged = issue_token(settings.model_copy(update={"secret_key": SecretStr("other")}), CLIENT_ID)
    resp = client.get(PROTECTED, headers={"Authorization": f"Bearer {forged}"})
    assert resp.status_code == 401


def test_health_is_public_and_details_are_not(client, auth):
    assert client.get("/health").get_json() == {"status": "ok"}
    assert client.get("/api/v1/health").status_code == 401
    details = client.get("/api/v1/health", headers=auth).get_json()
    assert details["status"] == "ok" and details["database"] in ("sqlite", "postgresql")


def test_org_allowlist(app, settings):
    from service import create_app

    limited = create_app(settings.model_copy(update={"org_allowlist": ["org-a"]}))
    c = limited.test_client()
    ok = c.get(PROTECTED, headers={**basic_header(), "ININ-Organization-Id": "org-a"})
    denied = c.get(PROTECTED, headers={**basic_header(), "ININ-Organization-Id": "org-b"})
    assert ok.status_code == 200
    assert denied.status_code == 403 and denied.get_json()["code"] == "org_not_allowed"


def test_correlation_id_echoed(client, auth):
    resp = client.get(PROTECTED, headers={**auth, "ININ-Correlation-Id": "abc-123"})
    assert resp.headers["ININ-Correlation-Id"] == "abc-123"


@pytest.mark.parametrize(
    "given,expected,match",
    [
        ("a", "a", True),
        ("a", "b", False),
        ("", "", False),
        ("a", "", False),
        ("é", "é", True),
    ],
)
def test_secrets_match(given, expected, match):
    assert rules.secrets_match(given, expected) is match


@pytest.mark.parametrize("now,ok", [(99, True), (100, False), (101, False)])
def test_claims_expiry_boundary(now, ok):
    claims = rules.token_claims("c", "integration", "", now=0, ttl=100)
    assert rules.claims_valid(claims, now) is ok


def test_cli_issues_scoped_person_tokens(client, settings, monkeypatch):
    from click.testing import CliRunner

    from service import cli

    monkeypatch.setattr(cli, "load_settings", lambda **kw: settings)
    result = CliRunner().invoke(
        cli.main, ["token", "issue", "--role", "agent", "--user-id", "agent-7"]
    )
    assert result.exit_code == 0, result.output
    from service.auth.service import verify_token

    principal = verify_token(settings, result.output.strip())
    assert (principal.role, principal.user_id, principal.is_staff) == ("agent", "agent-7", False)
    resp = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {result.output.strip()}"})
    assert resp.status_code == 403  # an agent cannot manage the queue


@pytest.mark.parametrize(
    "path",
    [
        "/data-actions/score-transcript",
        "/data-actions/calibration-report",
        "/data-actions/assign-coaching",
        "/api/v1/scoring/events",
    ],
)
@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_people_cannot_forge_through_data_actions(client, settings, path, role):
    token = issue_token(settings, f"{role}:u1", role=role, user_id="u1")
    body = {"conversationId": "c-colleague", "calibrationId": "s1", "agentId": "a2"}
    resp = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 403, resp.get_data(as_text=True)
