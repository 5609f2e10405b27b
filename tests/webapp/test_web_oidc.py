"""Sign-in through any OpenID Connect provider, end to end against the local fake provider
(``service/fakes/oidc.py``) over loopback HTTP: discovery, PKCE, client authentication, the
signed ID token checked by authlib; every forged or broken answer refused, nobody signed in.
"""

from __future__ import annotations

import pytest
import requests
from pydantic import SecretStr

from service.fakes.oauth_checks import pkce_matches
from service.fakes.oidc import FakeOidc

ROLE_MAP = {
    "agent": ["QM.Agent"],
    "supervisor": ["QM.Supervisor"],
    "evaluator": ["QM.Evaluator"],
    "admin": ["QM.Admin"],
}


@pytest.fixture(scope="module")
def oidc_server():
    server = FakeOidc().start()
    yield server
    server.stop()


@pytest.fixture
def oidc(oidc_server):
    oidc_server.reset()
    return oidc_server


@pytest.fixture
def settings(settings, oidc):
    """Web sign-in through the fake OpenID Connect provider (as for Entra ID or Okta)."""
    settings.web_signin = "oidc"
    settings.web_oidc_metadata_url = oidc.metadata_url
    settings.web_oidc_client_id = oidc.client_id
    settings.web_oidc_client_secret = SecretStr(oidc.client_secret)
    settings.web_role_map = ROLE_MAP
    settings.web_dev_signin = False
    return settings


def oidc_signin(client, oidc, sub: str, state: str | None = None):
    """Start, the provider's authorize step (``login_hint``), then the callback."""
    start = client.get(f"/app/auth/start?login_hint={sub}")
    assert start.status_code == 302
    location = start.headers["Location"]
    assert location.startswith(oidc.url + "/authorize?")
    assert "code_challenge_method=S256" in location and "nonce=" in location
    authorize = requests.get(location, allow_redirects=False, timeout=5)
    assert authorize.status_code == 302, authorize.text
    back = authorize.headers["Location"]
    back = back[back.index("/app/auth/callback") :]
    if state is not None:
        back = back.split("&state=")[0] + f"&state={state}"
    return client.get(back)


def assert_nobody_signed_in(client) -> None:
    resp = client.get("/app/coaching")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/app/login")


@pytest.mark.parametrize(
    ("sub", "start_page"),
    [("oidc-agent-1", "/app/coaching"), ("oidc-sup-1", "/app/team")],
)
def test_oidc_signin_agent_and_supervisor(app, oidc, sub, start_page):
    client = app.test_client()
    resp = oidc_signin(client, oidc, sub)
    assert resp.status_code == 303 and resp.headers["Location"] == "/app/"
    assert client.get("/app/").headers["Location"] == start_page
    page = client.get(start_page)
    assert page.status_code == 200
    assert oidc.users[sub].name in page.get_data(as_text=True)


def test_roles_from_userinfo_when_the_id_token_leaves_them_out(app, oidc):
    oidc.roles_in_id_token = False  # as Okta does unless the groups claim is in the ID token
    client = app.test_client()
    assert oidc_signin(client, oidc, "oidc-sup-1").status_code == 303
    assert client.get("/app/").headers["Location"] == "/app/team"


def test_a_person_without_a_mapped_role_is_refused(app, oidc):
    client = app.test_client()
    resp = oidc_signin(client, oidc, "oidc-guest-1")
    assert resp.status_code == 403 and "no QM Loop role" in resp.get_data(as_text=True)
    assert_nobody_signed_in(client)


@pytest.mark.parametrize(
    "tamper",
    [
        {"nonce": "replayed-nonce"},
        {"exp_offset": -3600},  # expired an hour ago (authlib allows 120 s of clock skew)
        {"aud": "someone-elses-client"},
        {"aud": "someone-elses-client", "extra": {"azp": "qm-loop-web"}},
        {"iss": "https://login.evil.example"},
        {"foreign_key": True},  # same kid, a key not in the provider's JWKS
    ],
    ids=[
        "wrong-nonce",
        "expired",
        "wrong-audience",
        "wrong-audience-our-azp",
        "wrong-issuer",
        "other-key",
    ],
)
def test_a_bad_id_token_is_refused_with_a_clear_page(app, oidc, tamper):
    oidc.tamper = tamper
    client = app.test_client()
    resp = oidc_signin(client, oidc, "oidc-sup-1")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 401, html
    assert "Sign-in did not complete" in html and "ID token did not verify" in html
    assert_nobody_signed_in(client)


def test_a_forged_state_is_refused(app, oidc):
    client = app.test_client()
    resp = oidc_signin(client, oidc, "oidc-agent-1", state="forged-state")
    assert resp.status_code == 401
    assert "does not belong to this browser" in resp.get_data(as_text=True)
    assert_nobody_signed_in(client)


def _code(oidc, verifier_challenge: str) -> str:
    params = {
        "response_type": "code",
        "client_id": oidc.client_id,
        "redirect_uri": "http://127.0.0.1/cb",
        "scope": "openid profile",
        "state": "s",
        "nonce": "n",
        "code_challenge": verifier_challenge,
        "code_challenge_method": "S256",
        "login_hint": "oidc-agent-1",
    }
    resp = requests.get(oidc.url + "/authorize", params=params, allow_redirects=False, timeout=5)
    return resp.headers["Location"].split("code=")[1].split("&")[0]


def test_the_fake_checks_pkce_and_client_auth(oidc):
    verifier = "v" * 50
    import base64
    import hashlib

    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    assert pkce_matches(challenge, verifier) and not pkce_matches(challenge, "w" * 50)
    form = {"grant_type": "authorization_code", "redirect_uri": "http://127.0.0.1/cb"}
    good = (oidc.client_id, oidc.client_secret)
    wrong_pkce = requests.post(
        oidc.url + "/token",
        data={**form, "code": _code(oidc, challenge), "code_verifier": "w" * 50},
        auth=good,
        timeout=5,
    )
    assert wrong_pkce.status_code == 400 and wrong_pkce.json()["error"] == "invalid_grant"
    wrong_secret = requests.post(
        oidc.url + "/token",
        data={**form, "code": _code(oidc, challenge), "code_verifier": verifier},
        auth=(oidc.client_id, "guess"),
        timeout=5,
    )
    assert wrong_secret.status_code == 401
    ok = requests.post(
        oidc.url + "/token",
        data={**form, "code": _code(oidc, challenge), "code_verifier": verifier},
        auth=good,
        timeout=5,
    )
    assert ok.status_code == 200 and ok.json()["id_token"].count(".") == 2
    info = requests.get(
        oidc.url + "/userinfo",
        headers={"Authorization": "Bearer " + ok.json()["access_token"]},
        timeout=5,
    )
    assert info.json()["sub"] == "oidc-agent-1"
    no_pkce = requests.get(
        oidc.url + "/authorize",
        params={"response_type": "code", "client_id": oidc.client_id, "scope": "openid"}
        | {"redirect_uri": "http://127.0.0.1/cb"},
        allow_redirects=False,
        timeout=5,
    )
    assert no_pkce.status_code == 400
