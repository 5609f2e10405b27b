"""End to end in a real headless Chromium (Playwright, the Debian ``chromium`` binary): sign-in
through the fake Genesys, the agent's and supervisor's pages, blind calibration scoring, access
refusals, CSRF, expiry; axe-core on every page; ``screenshot(page, name)`` of every page (a
temporary folder, or ``QM_SCREENSHOTS=docs/screenshots``: ``tests/webapp/screens.py``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from service.auth.service import issue_token
from service.db import get_db
from service.fakes.server import ServerThread
from service.scoring.models import ScoringRequest
from service.transcripts.service import fetch_transcript
from service.webapp.models import WebSession
from service.workspace.models import CoachingSession
from tests.webapp.conftest import add_assignment
from tests.webapp.screens import screenshot, screenshot_dir

pytestmark = pytest.mark.sqlite_only  # the pages' database work runs on both in test_web_pages

CHROMIUM = os.environ.get("QM_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (.ci/run installs it)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")

# The names tests written before tests/webapp/screens.py use; both follow QM_SCREENSHOTS.
shot = screenshot
SHOTS = screenshot_dir()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def server(app) -> Iterator[ServerThread]:
    from service.directory.service import sync_users
    from service.genesys import get_genesys

    api = get_genesys(app)
    assert api is not None
    with get_db(app).session_scope() as db:  # as the worker's first directory.sync does
        sync_users(db, api)
    srv = ServerThread(app).start()
    yield srv
    srv.stop()


def check_axe(page: Any) -> None:
    """axe-core finds no serious or critical violation on the page."""
    results = axe_sync.Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{page.url}: {bad}"


def sign_in(browser: Any, server: ServerThread, name: str) -> Any:
    """A new browser context signed in by clicking the person on the fake's login page."""
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    page.goto(server.url + "/app/")
    assert page.url.endswith("/app/login")
    page.get_by_role("link", name="Sign in with Genesys Cloud").click()
    page.get_by_role("link", name=name).click()  # the fake Genesys login page lists its users
    page.wait_for_load_state()
    assert page.url.startswith(server.url + "/app/"), page.url
    return page


def go(page: Any, target: Any) -> None:
    """Click a link or submit button and wait for the new page."""
    with page.expect_navigation():
        target.click()


def _scored_evaluation(app: Any, fake: Any) -> tuple[str, str, str]:
    """A finished fake evaluation with an automated score whose evidence cites a real turn."""
    evaluation = next(e for e in fake.org.evaluations.values() if e["status"] == "FINISHED")
    agent, conv = evaluation["agent"]["id"], evaluation["conversation"]["id"]
    api = app.extensions["genesys"]
    turns = fetch_transcript(api, conv).turns
    index = next(i for i, t in enumerate(turns) if t.speaker == "agent")
    quote = " ".join(turns[index].text.split()[:4])
    start = turns[index].text.index(quote)
    form = fake.org.forms[evaluation["evaluationForm"]["id"]]
    question = form["questionGroups"][0]["questions"][0]["id"]
    item = {
        "id": question,
        "sectionId": form["questionGroups"][0]["id"],
        "answer": "Yes",
        "answerId": "a",
        "score": 1,
        "maxScore": 1,
        "method": "llm",
        "verified": True,
        "evidence": [
            {"turn": index, "quote": quote, "verified": True, "span": [start, start + len(quote)]}
        ],
    }
    with get_db(app).session_scope() as db:
        db.add(
            ScoringRequest(
                idempotency_key="k-" + evaluation["id"][:20],
                conversation_id=conv,
                agent_id=agent,
                scorecard_id="card",
                scorecard_version="1",
                status="scored",
                percentage=88.0,
                evaluation_id=evaluation["id"],
                result={"percentage": 88.0, "items": [item]},
            )
        )
    add_assignment(
        app, agent, evaluation_id=evaluation["id"], conversation_id=conv, percentage=72.0
    )
    return agent, evaluation["id"], quote


def test_agent_signs_in_opens_a_session_and_acknowledges(app, fake, server, browser):
    agent, evaluation_id, quote = _scored_evaluation(app, fake)
    with get_db(app).session_scope() as db:
        db.add(
            CoachingSession(
                name="Call wrap-up",
                agent_id=agent,
                coach_id=fake.org.supervisors[0],
                areas=["Compliance", "Etiquette", "Product Knowledge", "Problem Solving"],
                assigned_on=datetime.now(UTC).date() - timedelta(days=9),
                follow_up_on=datetime.now(UTC).date() - timedelta(days=1),
            )
        )
    name = fake.org.users[agent]["name"]
    page = sign_in(browser, server, name)
    assert page.url.endswith("/app/coaching")
    assert page.get_by_role("heading", name="My coaching").is_visible()
    assert page.get_by_text("+2").is_visible() and page.get_by_text("overdue").is_visible()
    check_axe(page)
    screenshot(page, "agent-coaching-list")
    go(page, page.get_by_role("link", name="Empathy coaching"))
    assert page.get_by_text("Not yet").is_visible()
    check_axe(page)
    screenshot(page, "agent-coaching-session")
    go(page, page.get_by_role("button", name="Acknowledge"))
    assert page.get_by_text("In progress").first.is_visible()
    assert page.get_by_role("button", name="Acknowledge").count() == 0
    go(page, page.get_by_role("link", name="Open evaluation"))
    assert page.locator("mark").first.inner_text() == quote  # verified evidence highlighted
    check_axe(page)
    screenshot(page, "agent-evaluation")
    # another agent's session and evaluation answer 404; a supervisor's page is refused
    with get_db(app).session_scope() as db:
        db.add(
            CoachingSession(
                name="Not yours",
                agent_id="someone-else",
                assigned_on=datetime.now(UTC).date(),
            )
        )
    with get_db(app).session_scope() as db:
        other = db.scalars(select(CoachingSession).where(CoachingSession.name == "Not yours")).one()
    assert page.goto(f"{server.url}/app/coaching/{other.id}").status == 404
    assert page.goto(f"{server.url}/app/evaluations/not-{evaluation_id}").status == 404
    resp = page.goto(f"{server.url}/app/team")
    assert resp.status == 403
    check_axe(page)
    page.context.close()


def test_supervisor_sees_the_team_and_creates_a_group_session(app, fake, server, browser):
    sup = fake.org.supervisors[0]
    team = [a for a in fake.org.agents if fake.org.users[a]["manager"]["id"] == sup]
    active = [a for a in team if fake.org.users[a]["state"] == "active"]
    add_assignment(app, active[0], due_date=datetime.now(UTC).date() - timedelta(days=2))
    page = sign_in(browser, server, fake.org.users[sup]["name"])
    assert page.url.endswith("/app/team")
    for agent in active:
        assert page.get_by_role("cell", name=fake.org.users[agent]["name"]).is_visible()
    check_axe(page)
    screenshot(page, "supervisor-team")
    for agent in active[:2]:
        page.get_by_label(fake.org.users[agent]["name"]).check()
    page.get_by_label("Name", exact=True).fill("Call openings")
    page.get_by_label("Coaching areas (comma-separated)").fill("Empathy, Greeting, Tone")
    go(page, page.get_by_role("button", name="Create"))
    with get_db(app).session_scope() as db:
        rows = db.scalars(select(CoachingSession).where(CoachingSession.name == "Call openings"))
        assert sorted(r.agent_id for r in rows) == sorted(active[:2])
    page.goto(server.url + "/app/coaching")
    page.get_by_role("link", name="Call openings").first.click()
    page.wait_for_load_state()
    page.get_by_role("textbox", name="Feedback").fill("Warm greeting, missed the recap.")
    page.get_by_role("textbox", name="Action plan").fill("Recap the next step before closing.")
    go(page, page.get_by_role("button", name="Save"))
    feedback = page.get_by_role("textbox", name="Feedback").input_value()
    assert feedback == "Warm greeting, missed the recap."
    check_axe(page)
    screenshot(page, "supervisor-session")
    page.context.close()


def test_a_form_without_its_csrf_token_is_refused(app, fake, server, browser):
    agent = fake.org.agents[0]
    add_assignment(app, agent)
    page = sign_in(browser, server, fake.org.users[agent]["name"])
    go(page, page.get_by_role("link", name="Empathy coaching"))
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    with page.expect_navigation():
        page.get_by_role("button", name="Acknowledge").click()
    assert page.get_by_role("heading", name="Form expired").is_visible()
    with get_db(app).session_scope() as db:
        assert db.scalars(select(CoachingSession.acknowledged_at)).one() is None
    check_axe(page)
    page.context.close()


def test_sessions_expire_back_to_the_login_page(app, fake, server, browser):
    page = sign_in(browser, server, fake.org.users[fake.org.agents[0]]["name"])
    with get_db(app).session_scope() as db:
        db.execute(update(WebSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    page.goto(server.url + "/app/coaching")
    assert page.url.endswith("/app/login")
    check_axe(page)
    screenshot(page, "login")
    page.context.close()


def test_panelists_score_blind_and_the_report_reveals_after_the_last(
    app, fake, server, browser, settings
):
    expert, evaluator = fake.org.supervisors[0], fake.org.evaluators[0]
    conv = next(iter(fake.org.transcripts)).split("/")[0]
    admin = issue_token(settings, "admin", role="admin", user_id="admin-1")
    client = app.test_client()
    resp = client.post(
        "/api/v1/calibration/sessions",
        headers={"Authorization": f"Bearer {admin}"},
        json={
            "name": "December calibration",
            "formId": next(iter(fake.org.forms)),
            "expertId": expert,
            "evaluatorIds": [evaluator],
            "deadline": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
            "interactions": [{"conversationId": conv, "agentId": fake.org.agents[0]}],
            "questions": [{"id": "greet", "name": "Greeting"}, {"id": "close", "name": "Close"}],
        },
    )
    assert resp.status_code == 201, resp.get_json()
    sid = resp.get_json()["id"]

    page = sign_in(browser, server, fake.org.users[evaluator]["name"])
    page.goto(f"{server.url}/app/calibration/{sid}")
    go(page, page.get_by_role("link", name="Show the transcript"))
    assert page.locator("ol.transcript li").count() > 0
    check_axe(page)
    screenshot(page, "panelist-scoring")
    page.reload()  # a fresh page: axe's injected script must not be on the page we submit
    page.get_by_label("Greeting (0–100)").fill("80")
    page.get_by_label("Close (0–100)").fill("60")
    go(page, page.get_by_role("button", name="Submit my score"))
    assert page.get_by_text("scored 70.0").is_visible(), page.inner_text("main")
    assert page.get_by_role("link", name="Open the report").count() == 0  # still blind
    page.context.close()

    page = sign_in(browser, server, fake.org.users[expert]["name"])
    page.goto(f"{server.url}/app/calibration/{sid}")
    assert page.get_by_text("1 of 2 scores").is_visible()  # progress for staff
    assert "70.0" not in page.content()  # the other panelist's score stays hidden
    page.get_by_label("Greeting (0–100)").fill("90")
    page.get_by_label("Close (0–100)").fill("70")
    go(page, page.get_by_role("button", name="Submit my score"))
    page.get_by_role("link", name="Open the report").click()  # revealed after the last score
    page.wait_for_load_state()
    assert "/report.html" in page.url and page.locator("table").count() > 0
    screenshot(page, "calibration-report")
    page.context.close()


def _open_review(app: Any, fake: Any) -> tuple[str, str, dict[str, Any]]:
    """Open the review of a finished evaluation of one of the first supervisor's agents."""
    from service.disputes import sync

    sup = fake.org.supervisors[0]
    evaluation = next(
        e
        for e in fake.org.evaluations.values()
        if e["status"] == "FINISHED"
        and fake.org.users[e["agent"]["id"]]["state"] == "active"
        and (fake.org.users[e["agent"]["id"]].get("manager") or {}).get("id") == sup
    )
    with app.app_context(), get_db(app).session_scope() as db:
        sync.open_from_genesys(
            db,
            genesys=app.extensions["genesys"],
            conversation_id=evaluation["conversation"]["id"],
            evaluation_id=evaluation["id"],
        )
    add_assignment(
        app,
        evaluation["agent"]["id"],
        evaluation_id=evaluation["id"],
        conversation_id=evaluation["conversation"]["id"],
    )
    return evaluation["agent"]["id"], sup, evaluation


def test_dispute_two_questions_supervisor_answers_agent_accepts(
    app, fake, server, browser, settings
):
    from service.jobs import service as jobs
    from service.jobs.models import Job

    agent, sup, evaluation = _open_review(app, fake)
    eid = evaluation["id"]
    page = sign_in(browser, server, fake.org.users[agent]["name"])
    page.goto(server.url + "/app/reviews")
    assert page.get_by_role("link", name="Pending Review").get_attribute("aria-current") == "page"
    check_axe(page)
    screenshot(page, "agent-reviews")
    go(page, page.locator(f'a[href="/app/evaluations/{eid}"]'))
    page.get_by_text("Dispute questions").click()
    boxes = page.get_by_role("checkbox", name="Dispute this answer")
    reasons = page.get_by_role("textbox", name="Reason")
    for i in range(2):
        boxes.nth(i).check()
        reasons.nth(i).fill(f"I did this right ({i + 1}).")
    check_axe(page)
    screenshot(page, "agent-dispute")
    go(page, page.get_by_role("button", name="Send dispute"))
    assert page.get_by_text("Pending Supervisor Review").first.is_visible()
    page.goto(server.url + "/app/coaching")
    assert page.get_by_role("cell", name="Pending Supervisor Review").is_visible()  # reflected
    page.context.close()

    page = sign_in(browser, server, fake.org.users[sup]["name"])
    assert page.get_by_role("link", name="1 disputes waiting").is_visible()  # on the team page
    page.goto(server.url + "/app/disputes")
    check_axe(page)
    screenshot(page, "supervisor-disputes")
    go(page, page.get_by_role("link", name="Answer"))
    page.get_by_role("radio", name="Uphold the answer").first.check()
    page.get_by_role("radio", name="Change the answer").nth(1).check()
    choice = page.get_by_role("combobox", name="New answer").nth(1)
    current = choice.input_value()
    other = [
        o
        for o in choice.locator("option").evaluate_all("os => os.map(o => o.value)")
        if o != current
    ][0]
    choice.select_option(other)
    comments = page.get_by_role("textbox", name="Comment")
    comments.nth(0).fill("The recording confirms the original answer.")
    comments.nth(1).fill("Agreed, changing it.")
    check_axe(page)
    screenshot(page, "supervisor-answer")
    go(page, page.get_by_role("button", name="Send answers"))
    assert page.get_by_text("Pending Agent Review").first.is_visible()
    assert page.get_by_text("Upheld").is_visible() and page.get_by_text("Changed to").is_visible()
    page.context.close()

    jobs.drain(app, settings, kinds=["disputes.writeback"])
    assert fake.org.evaluations[eid]["version"] == 2  # a new Genesys version
    with get_db(app).session_scope() as db:
        triage = db.scalars(select(Job).where(Job.kind == "coaching.triage")).all()
        assert any(j.payload["evaluation_id"] == eid for j in triage)  # re-triaged

    page = sign_in(browser, server, fake.org.users[agent]["name"])
    page.goto(f"{server.url}/app/evaluations/{eid}")
    go(page, page.get_by_role("button", name="Accept evaluation"))
    assert page.get_by_text("Resolved").first.is_visible()
    page.goto(server.url + "/app/reviews?tab=resolved")
    row = page.locator("tbody tr").first
    assert "Resolved" in row.inner_text() and "\t1\t" in row.inner_text()
    check_axe(page)
    screenshot(page, "agent-reviews-resolved")
    page.context.close()
