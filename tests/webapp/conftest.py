"""Web app fixtures: the fake Genesys (sign-in, users, evaluations, transcripts) and helpers."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from service.coaching.models import CoachingAssignment
from service.db import get_db
from tests.fixtures_genesys import point_at_fake
from tests.webapp import screens


@pytest.fixture
def settings(settings, fake):
    """Test settings pointed at the fake, with Genesys sign-in and the dev sign-in on."""
    return point_at_fake(
        settings,
        fake,
        genesys_max_retries=0,
        web_genesys_client_id=fake.client_id,
        web_genesys_client_secret=fake.client_secret,
        web_dev_signin=True,
    )


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def dev_signin(client, user_id: str, role: str, team: list[str] | None = None) -> None:
    """Sign a test client in through the development sign-in."""
    token = csrf_of(client.get("/app/login").get_data(as_text=True))
    resp = client.post(
        "/app/auth/dev",
        data={
            "csrf_token": token,
            "user_id": user_id,
            "role": role,
            "name": user_id.title(),
            "team": ",".join(team or []),
        },
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)


def post_form(client, page: str, action: str, data: dict[str, Any]):
    """POST a form with the CSRF token of ``page``."""
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **data})


def add_assignment(app, agent_id: str, **over: Any) -> CoachingAssignment:
    """An automated coaching assignment as the pipeline writes it."""
    values: dict[str, Any] = {
        "evaluation_id": over.pop("evaluation_id", f"eval-{agent_id}"),
        "agent_id": agent_id,
        "conversation_id": f"conv-{agent_id}",
        "form_id": "form-1",
        "section_id": "sec-1",
        "section_name": "Empathy",
        "section_key": "form-1:empathy",
        "percentage": 61.5,
        "evaluation_date": date(2026, 11, 20),
        "due_date": date.today() + timedelta(days=5),
    }
    values.update(over)
    with get_db(app).session_scope() as db:
        row = CoachingAssignment(**values)
        db.add(row)
    return row


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say where the browser tests' screenshots went (``tests/webapp/screens.py``)."""
    for folder in sorted({path.parent for path in screens.TAKEN}):
        count = sum(path.parent == folder for path in screens.TAKEN)
        terminalreporter.write_line(f"{count} screenshot(s) in {folder}")
