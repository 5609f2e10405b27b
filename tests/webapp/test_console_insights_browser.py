"""The QA manager's insight pages in a real Chromium: a supervisor granted every division signs
in through the fake Genesys, reads coaching effectiveness and trust (charts, tables, alerts
addressed to them), axe-core finds nothing serious, screenshots; agents are refused."""

from __future__ import annotations

from service.fakes.genesys_signin import grant_in
from tests.insights.helpers import seed_console
from tests.webapp.test_web_browser import (  # noqa: F401  (fixtures)
    browser,
    check_axe,
    go,
    pytestmark,
    server,
    shot,
    sign_in,
)


def test_supervisor_reads_effectiveness_and_trust(app, fake, server, browser):  # noqa: F811
    sup = fake.org.supervisors[0]
    # Insights are org-wide statistics: only a person granted every division reads them
    # (docs/insights.md); a Team Lead grant in one division is refused (tests/test_divisions.py).
    grant_in(fake.app, sup, ["*"])
    seed_console(app, list(fake.org.agents), owner=sup)
    page = sign_in(browser, server, fake.org.users[sup]["name"])
    go(page, page.get_by_role("link", name="Insights"))
    assert page.url.endswith("/app/console/trust")
    assert page.get_by_role("heading", name="Trust in automated scoring").is_visible()
    alerts = page.get_by_role("table").first
    assert "q-verify" in alerts.inner_text() and "your form" in alerts.inner_text()
    assert page.locator("svg#trust-chart").is_visible()
    assert page.get_by_role("cell", name="de-DE").first.is_visible()
    check_axe(page)
    shot(page, "console-trust")
    go(page, page.get_by_role("link", name="Coaching effectiveness"))
    assert page.get_by_role("heading", name="Coaching effectiveness").is_visible()
    rows = page.locator("table.list").first.inner_text()
    assert "m-empathy" in rows and "Improved" in rows
    assert "m-greeting" in rows and "No effect shown" in rows
    assert page.locator("svg#effect-chart").is_visible()
    assert page.get_by_text("parallel trends").is_visible()
    check_axe(page)
    shot(page, "console-effectiveness")
    page.get_by_label("Completed from").fill("2026-12-01")
    go(page, page.get_by_role("button", name="Show"))
    assert page.get_by_text("No completed coaching in this period.").is_visible()
    page.context.close()


def test_agents_cannot_open_the_console(app, fake, server, browser):  # noqa: F811
    agent = next(a for a in fake.org.agents if fake.org.users[a]["state"] == "active")
    page = sign_in(browser, server, fake.org.users[agent]["name"])
    assert page.get_by_role("link", name="Insights").count() == 0
    for path in ("/app/console/trust", "/app/console/effectiveness"):
        assert page.goto(server.url + path).status == 403
    check_axe(page)
    page.context.close()
