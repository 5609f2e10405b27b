"""OIDC sign-in when the provider's discovery document cannot be read: a clear 503 page,
not a 500 (the discovery document is fetched at the first sign-in)."""

from __future__ import annotations

import socket

import pytest
from pydantic import SecretStr


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def settings(settings):
    settings.web_signin = "oidc"
    settings.web_oidc_metadata_url = (
        f"http://127.0.0.1:{_closed_port()}/.well-known/openid-configuration"
    )
    settings.web_oidc_client_id = "qm-web"
    settings.web_oidc_client_secret = SecretStr("secret")
    return settings


def test_an_unreachable_provider_is_a_clear_503(client):
    resp = client.get("/app/auth/start")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 503
    assert "QM_WEB_OIDC_METADATA_URL" in text and "Traceback" not in text
