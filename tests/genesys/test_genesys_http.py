"""The Genesys client's session reads the proxy environment once per host, with requests'
own answers (proxies, NO_PROXY, CA bundle)."""

from __future__ import annotations

import pytest
import requests

from service.genesys.http import EnvOnceSession

URLS = [
    "https://api.mypurecloud.de/api/v2/users/me",
    "https://login.mypurecloud.de/oauth/token",
    "http://127.0.0.1:8080/api/v2/conversations/c1",
    "https://bucket.s3.amazonaws.com/transcript.json?X-Amz-Signature=abc",
]


@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.corp:3129")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,login.mypurecloud.de")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/corp.pem")


@pytest.mark.usefixtures("proxy_env")
@pytest.mark.parametrize("url", URLS)
def test_same_settings_as_requests(url: str) -> None:
    plain, once = requests.Session(), EnvOnceSession()
    expected = plain.merge_environment_settings(url, {}, None, None, None)
    assert once.merge_environment_settings(url, {}, None, None, None) == expected
    assert once.merge_environment_settings(url, {}, None, None, None) == expected  # memo


@pytest.mark.usefixtures("proxy_env")
def test_no_proxy_applies_per_host() -> None:
    once = EnvOnceSession()
    api = once.merge_environment_settings(URLS[0], {}, None, None, None)
    login = once.merge_environment_settings(URLS[1], {}, None, None, None)
    assert api["proxies"].get("https") == "http://proxy.corp:3128"
    assert "https" not in login["proxies"]
    assert api["verify"] == "/etc/ssl/corp.pem"


@pytest.mark.usefixtures("proxy_env")
def test_callers_get_copies_and_call_settings_win() -> None:
    once = EnvOnceSession()
    first = once.merge_environment_settings(URLS[0], {}, None, None, None)
    first["proxies"]["https"] = "http://changed:1"
    again = once.merge_environment_settings(URLS[0], {}, None, None, None)
    assert again["proxies"]["https"] == "http://proxy.corp:3128"
    own = once.merge_environment_settings(URLS[0], {"https": "http://mine:1"}, None, False, None)
    assert own["proxies"]["https"] == "http://mine:1"
    assert own["verify"] is False
