"""The QA manager's console in a real headless Chromium: an admin edits a coaching policy (an
invalid value first, then a preview with its diff and the replay form, then a save and its
history), retries dead jobs and reads a reliability report; axe-core on every page; a supervisor
is refused. Screenshots: docs/screenshots/console-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from service.coaching import policies
from service.db import get_db
from service.jobs import service as jobs
from service.jobs.models import Job
from service.sentiment import policies as sentiment_policies
from tests.calibration.test_calibration_reports import MONTHS, _month_session
from tests.webapp import test_web_browser as web
from tests.webapp.test_web_browser import check_axe, go, shot, sign_in

browser, server = web.browser, web.server  # the browser tests' fixtures

pytestmark = pytest.mark.sqlite_only  # the pages' database work runs on both in test_console_pages

POLICIES = """
policies:
  - form_id: "*"
    name: Default coaching policy
    threshold: 75
    weekly_cap: 3
    target: local
    default_module_id: coaching-general
    sections:
      Empathy: coaching-empathy
  - form_id: inbound-voice
    name: Inbound voice
    threshold: 80
    target: genesys_learning
"""


def admin_page(browser: Any, server: Any, name: str = "Quinn Manager") -> Any:
    """A browser signed in as an admin (QA manager) through the development sign-in."""
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    page.goto(server.url + "/app/login")
    page.get_by_label("Genesys user id").fill("qa-manager-1")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Role").select_option("admin")
    go(page, page.get_by_role("button", name="Sign in", exact=True))
    return page


def _seed(app: Any) -> None:
    with get_db(app).session_scope() as db:
        policies.load_file(db, text=POLICIES)
        sentiment_policies.load_file(db, text="policies: [{queue_id: '*', run_length: 3}]")
    with get_db(app).session_scope() as db:
        for kind, error in [
            (
                "coaching.assign",
                "GenesysUnavailable: 503 Service Unavailable from /api/v2/learning",
            ),
            (
                "coaching.assign",
                "GenesysUnavailable: 503 Service Unavailable from /api/v2/learning",
            ),
            ("scoring.score", "LLMError: the model answered with invalid JSON three times"),
        ]:
            job, _ = jobs.enqueue(db, kind, {})
            db.execute(
                update(Job)
                .where(Job.id == job.id)
                .values(state="dead", attempts=4, last_error=error)
            )


def test_admin_edits_a_policy_with_diff_replay_and_history(app, server, browser):
    _seed(app)
    page = admin_page(browser, server)
    go(page, page.get_by_role("link", name="Console"))
    assert page.get_by_role("heading", name="QA manager console").is_visible()
    assert page.get_by_text("3 dead jobs").is_visible()
    check_axe(page)
    shot(page, "console-index")
    go(page, page.get_by_role("link", name="Policies", exact=True).first)
    check_axe(page)
    shot(page, "console-policies")
    go(page, page.get_by_role("link", name="Edit coaching policy inbound-voice"))
    page.get_by_label("Threshold").fill("180")
    page.get_by_label("Weekly cap").fill("two")
    go(page, page.get_by_role("button", name="Save"))
    assert page.get_by_role("heading", name="Nothing was saved").is_visible()
    assert page.get_by_text("Input should be less than or equal to 100").is_visible()
    check_axe(page)
    shot(page, "console-policy-errors")
    page.get_by_label("Threshold").fill("78")
    page.get_by_label("Weekly cap").fill("2")
    go(page, page.get_by_role("button", name="Preview the change"))
    diff = page.get_by_role("table", name="Current (old) and candidate (new), line by line")
    assert diff.get_by_role("row", name="removed threshold: 80.0").is_visible()
    assert diff.get_by_role("row", name="added threshold: 78.0").is_visible()
    replay = page.locator("#replay-form")
    assert replay.get_attribute("action") == "/app/console/replay"
    sent = replay.locator("input[name=policy_yaml]").input_value()  # multi-line YAML intact
    candidate = {p.form_id: p.threshold for p in policies.parse_file(sent).policies}
    assert candidate == {"*": 75, "inbound-voice": 78}
    assert replay.get_by_label("From").input_value() < replay.get_by_label("To").input_value()
    check_axe(page)
    shot(page, "console-policy-preview")
    go(page, page.get_by_role("button", name="Save"))
    assert page.get_by_role("heading", name="History").is_visible()
    assert page.get_by_text("by Quinn Manager (web app)").first.is_visible()
    check_axe(page)
    shot(page, "console-policy-history")
    page.context.close()


def test_admin_retries_dead_jobs_and_reads_reports(app, client, settings, server, browser):
    _seed(app)
    for when in MONTHS:
        _month_session(client, settings, app, when)
    page = admin_page(browser, server)
    page.goto(server.url + "/app/console/jobs")
    assert page.get_by_role("cell", name="4 of 4").count() == 3
    check_axe(page)
    shot(page, "console-jobs")
    go(page, page.get_by_role("button", name="Retry all 2 dead coaching.assign jobs"))
    assert page.get_by_role("button", name="Retry all 1 dead scoring.score jobs").is_visible()
    assert page.get_by_text("coaching.assign").count() == 0
    page.goto(server.url + "/app/console/reports")
    check_axe(page)
    go(page, page.get_by_role("link", name="Evaluator bias").first)
    assert page.get_by_text("harsh").first.is_visible()
    check_axe(page)
    shot(page, "console-report-evaluators")
    go(page, page.get_by_role("link", name="Reliability").last)
    assert page.get_by_role("heading", name="Pooled over every session").is_visible()
    check_axe(page)
    shot(page, "console-report-reliability")
    page.context.close()


def test_a_supervisor_is_refused(app, fake, server, browser):
    page = sign_in(browser, server, fake.org.users[fake.org.supervisors[0]]["name"])
    assert page.get_by_role("link", name="Console").count() == 0
    assert page.goto(server.url + "/app/console").status == 403
    assert page.goto(server.url + "/app/console/policies").status == 403
    check_axe(page)
    page.context.close()
