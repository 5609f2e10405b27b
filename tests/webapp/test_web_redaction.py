"""Quotes shown to people are redacted at display time (``service/webapp/quotes.py``): a phone
or card number planted in a stored score never reaches a supervisor's suggestions, an example
shown to the agent, or another person's evaluation page. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.db import get_db
from service.scoring.models import ScoringRequest
from service.workspace.models import CoachingSession
from tests.webapp.conftest import dev_signin, post_form


@pytest.fixture(autouse=True)
def _close_genesys(app):
    """Stop the Genesys client's budget thread before the test database is dropped."""
    yield
    api = app.extensions["genesys"]
    api.close()
    getattr(api.budget, "close", lambda: None)()


PHONE, CARD = "415-555-0132", "4111 1111 1111 1111"
PLANTED = f"Sure, call me back on {PHONE}, the card {CARD} is on file"


def _score(app, key: str, agent: str, evaluation: str, score: int, quote: str) -> None:
    item = {
        "id": "q-greeting",
        "answer": "Yes" if score else "No",
        "score": score,
        "maxScore": 1,
        "verified": True,
        "evidence": [{"turn": 0, "quote": quote, "verified": True, "span": [0, len(quote)]}],
    }
    with get_db(app).session_scope() as db:
        db.add(
            ScoringRequest(
                idempotency_key=key,
                conversation_id=f"conv-{key}",
                agent_id=agent,
                scorecard_id="card",
                scorecard_version="1",
                status="scored",
                percentage=100.0 * score,
                evaluation_id=evaluation,
                result={"percentage": 100.0 * score, "items": [item]},
            )
        )


def _session_with_a_weak_question(app, client) -> str:
    dev_signin(client, "sup-1", "supervisor", team=["agent-a"])
    post_form(client, "/app/team", "/app/team/sessions", {"agents": ["agent-a"], "name": "Calls"})
    with get_db(app).session_scope() as db:
        sess = db.scalars(select(CoachingSession).where(CoachingSession.name == "Calls")).one()
        page = f"/app/coaching/{sess.id}"
    _score(app, "weak", "agent-a", "e-weak", 0, "hello")
    _score(app, "best", "agent-b", "e-best", 1, PLANTED)
    post_form(client, page, f"{page}/interactions", {"evaluation_id": "e-weak", "area": "Greet"})
    return page


def test_suggestion_quotes_are_redacted_on_the_page(app, client):
    page = _session_with_a_weak_question(app, client)
    html = client.get(page).get_data(as_text=True)
    assert "Suggestions from automated scores" in html
    assert "Sure, call me back on" in html  # the suggestion is there ...
    assert PHONE not in html and CARD not in html  # ... without the planted numbers
    assert "&lt;PHONE_NUMBER&gt;" in html and "&lt;CREDIT_CARD&gt;" in html


def test_examples_picked_or_typed_reach_the_agent_redacted(app, client):
    page = _session_with_a_weak_question(app, client)
    resp = post_form(
        client, page, f"{page}/examples", {"question": "Greeting", "quote": f"Ring {PHONE}"}
    )
    assert resp.status_code == 303
    dev_signin(client, "agent-a", "agent")
    html = client.get(page).get_data(as_text=True)
    assert "Ring &lt;PHONE_NUMBER&gt;" in html and PHONE not in html


def test_evidence_quotes_redacted_for_others_not_for_the_agent(app, client):
    _score(app, "mine", "agent-a", "e-mine", 1, PLANTED)
    dev_signin(client, "sup-1", "supervisor", team=["agent-a"])
    html = client.get("/app/evaluations/e-mine").get_data(as_text=True)
    assert "Sure, call me back on" in html and PHONE not in html and CARD not in html
    dev_signin(client, "eval-1", "evaluator")
    html = client.get("/app/evaluations/e-mine").get_data(as_text=True)
    assert "Sure, call me back on" in html and PHONE not in html and CARD not in html
    dev_signin(client, "agent-a", "agent")
    html = client.get("/app/evaluations/e-mine").get_data(as_text=True)
    assert PHONE in html  # the agent's own conversation, as they said it
