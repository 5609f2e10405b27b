"""The replay page in a real headless Chromium: an admin (QA manager) replays the demo org's
period under the stored policy and a candidate to compare, sees totals, two charts with their
data tables and the per-agent table; a bad period shows the form again with the reason. axe-core
on every state; screenshot docs/screenshots/console-replay.png."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from service.coaching import policies
from service.db import get_db
from service.demo.run import policy_yaml
from tests.webapp.test_web_browser import ARGS, CHROMIUM, check_axe, go, shot

pytestmark = pytest.mark.sqlite_only

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def server(app):
    from service.fakes.server import ServerThread

    srv = ServerThread(app).start()
    yield srv
    srv.stop()


def dev_admin(browser: Any, server: Any) -> Any:
    """A browser signed in as an admin through the development sign-in."""
    page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    page.goto(server.url + "/app/login")
    page.get_by_label("Genesys user id").fill("qa-manager")
    page.get_by_label("Name").fill("Quinn QA")
    page.get_by_label("Role").select_option("admin")
    go(page, page.get_by_role("button", name="Sign in", exact=True))
    return page


def test_admin_replays_a_candidate_against_the_current_policy(app, fake, server, browser):
    with get_db(app).session_scope() as session:
        policies.load_file(session, text=policy_yaml(fake), replace=True)
    days = [date.fromisoformat(e["createdDate"][:10]) for e in fake.org.evaluations.values()]
    page = dev_admin(browser, server)
    page.goto(server.url + "/app/console/replay")
    assert page.get_by_role("heading", name="Policy replay").is_visible()
    check_axe(page)

    page.get_by_label("From (UTC day)").fill(max(days).isoformat())
    page.get_by_label("To (UTC day, inclusive)").fill(min(days).isoformat())
    go(page, page.get_by_role("button", name="Replay"))
    assert "before 'from'" in page.get_by_role("alert").inner_text()
    check_axe(page)

    page.get_by_label("From (UTC day)").fill(min(days).isoformat())
    page.get_by_label("To (UTC day, inclusive)").fill(max(days).isoformat())
    page.get_by_label("Compare with YAML").fill(policy_yaml(fake, threshold=90, weekly_cap=0))
    go(page, page.get_by_role("button", name="Replay"))
    assert page.get_by_role("heading", name="Replay").first.is_visible()
    totals = page.locator("#replay-totals")
    assert "Difference" in totals.inner_text() and "assigned" in totals.inner_text()
    charts = page.locator("svg.chart[role=img]")
    assert charts.count() == 3
    assert page.get_by_role("img", name="Coaching assignments per ISO week").is_visible()
    assert page.locator("#replay-rows tbody tr").count() >= 3
    assert page.locator("#replay-modules tbody tr").count() >= 1
    page.get_by_text("Data table: Coaching assignments per ISO week").click()
    assert page.locator("table.chart-data").first.is_visible()
    check_axe(page)
    shot(page, "console-replay")
    # The form keeps what was replayed, so a change can be replayed again.
    assert "threshold: 90" in page.get_by_label("Compare with YAML").input_value()


def test_only_admins_see_the_replay_page(app, client):
    from tests.webapp.conftest import dev_signin

    dev_signin(client, "sup-1", "supervisor")
    assert client.get("/app/console/replay").status_code == 403
    dev_signin(client, "qa-1", "admin")
    assert client.get("/app/console/replay").status_code == 200


def test_another_page_posts_a_candidate_with_the_contract_fields(app, client, fake):
    """The console's "replay this candidate" button: ``from``, ``to``, ``policy_yaml`` and
    ``compare_yaml`` with the CSRF token of its own page; without the token, refused."""
    from tests.webapp.conftest import dev_signin, post_form

    with get_db(app).session_scope() as session:
        policies.load_file(session, text=policy_yaml(fake), replace=True)
    dev_signin(client, "qa-1", "admin")
    days = sorted(e["createdDate"][:10] for e in fake.org.evaluations.values())
    fields = {
        "from": days[0],
        "to": days[-1],
        "policy_yaml": policy_yaml(fake, threshold=90),
        "compare_yaml": "",
    }
    resp = post_form(client, "/app/coaching", "/app/console/replay", fields)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Replay " + days[0] in html and "candidate" in html and 'id="replay-totals"' in html
    assert client.post("/app/console/replay", data=fields).status_code == 400
    bad = post_form(
        client, "/app/coaching", "/app/console/replay", {**fields, "policy_yaml": "x: ["}
    )
    assert bad.status_code == 400 and "not valid YAML" in bad.get_data(as_text=True)
