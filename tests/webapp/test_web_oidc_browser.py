"""OpenID Connect sign-in in a real headless Chromium: an agent and a supervisor click
"Sign in with your organization", pick themselves on the fake provider's page and land on
their start page; axe-core on the pages; screenshots into docs/screenshots/."""

from __future__ import annotations

import pytest

from tests.webapp.test_web_browser import browser, check_axe, server, shot  # noqa: F401
from tests.webapp.test_web_oidc import oidc, oidc_server, settings  # noqa: F401

pytestmark = pytest.mark.sqlite_only  # the database work runs on both in test_web_oidc


@pytest.mark.parametrize(
    ("sub", "heading", "start"),
    [("oidc-agent-1", "My coaching", "/app/coaching"), ("oidc-sup-1", "team", "/app/team")],
)
def test_sign_in_through_openid_connect(app, oidc, server, browser, sub, heading, start):  # noqa: F811
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    page.goto(server.url + "/app/")
    assert page.url.endswith("/app/login")
    check_axe(page)
    if sub == "oidc-agent-1":
        shot(page, "oidc-login")
    with page.expect_navigation():
        page.get_by_role("link", name="Sign in with your organization").click()
    assert page.url.startswith(oidc.url + "/authorize?")
    with page.expect_navigation():
        page.get_by_role("link", name=oidc.users[sub].name).click()
    page.wait_for_load_state()
    assert page.url == server.url + start, page.url
    assert heading.lower() in page.locator("h1").inner_text().lower()
    assert oidc.users[sub].name in page.content()
    check_axe(page)
    shot(page, "oidc-" + sub.split("-")[1])
    context.close()


def test_a_tampered_id_token_shows_a_clear_page_in_the_browser(app, oidc, server, browser):  # noqa: F811
    oidc.tamper = {"foreign_key": True}
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    page.goto(server.url + "/app/auth/start?login_hint=oidc-agent-1")
    page.wait_for_load_state()
    assert "ID token did not verify" in page.content()
    check_axe(page)
    shot(page, "oidc-refused")
    page.goto(server.url + "/app/coaching")
    assert page.url.endswith("/app/login")
    context.close()
