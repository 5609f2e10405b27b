"""The conversation's topics (Speech & Text Analytics ``analytics.topics`` of its transcript)
on the evaluation page: names, never ids; none detected or Genesys refusing leaves them out and
the page still renders. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.webapp.conftest import add_assignment, dev_signin


@pytest.fixture(autouse=True)
def _close_genesys(app):
    """Stop the Genesys client's budget thread before the test database is dropped."""
    yield
    api = app.extensions["genesys"]
    api.close()
    getattr(api.budget, "close", lambda: None)()


def _fake_evaluation(app, fake, with_topics: bool) -> tuple[str, str, list[str]]:
    """A finished fake evaluation whose conversation has (or has no) detected topics."""
    for evaluation in fake.org.evaluations.values():
        conv = evaluation["conversation"]["id"]
        comm = fake.org.conversations[conv]["_communicationId"]
        doc = fake.org.transcripts[f"{conv}/{comm}"]
        topics = doc["transcripts"][0]["analytics"]["topics"]
        if evaluation["status"] == "FINISHED" and bool(topics) == with_topics:
            agent = evaluation["agent"]["id"]
            add_assignment(app, agent, evaluation_id=evaluation["id"], conversation_id=conv)
            return evaluation["id"], agent, [t["topicName"] for t in topics]
    raise AssertionError("the sample has no such evaluation")


def test_evaluation_page_shows_the_conversation_topics_by_name(app, client, fake):
    evaluation, agent, topics = _fake_evaluation(app, fake, with_topics=True)
    dev_signin(client, agent, "agent")
    html = client.get(f"/app/evaluations/{evaluation}").get_data(as_text=True)
    assert "<dt>Topics</dt>" in html and all(name in html for name in topics)
    assert "5b1a3c9e-" not in html  # topic names, never their ids


def test_evaluation_page_without_topics_or_when_genesys_refuses(app, client, fake):
    evaluation, agent, _ = _fake_evaluation(app, fake, with_topics=False)
    dev_signin(client, agent, "agent")
    resp = client.get(f"/app/evaluations/{evaluation}")
    assert resp.status_code == 200 and "<dt>Topics</dt>" not in resp.get_data(as_text=True)
    evaluation, agent, _ = _fake_evaluation(app, fake, with_topics=True)
    dev_signin(client, agent, "agent")
    fake.faults.fail_next(5, status=403, pattern="/api/v2/speechandtextanalytics/*")
    resp = client.get(f"/app/evaluations/{evaluation}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<dt>Topics</dt>" not in html
    assert "The transcript is not available" in html


@pytest.fixture
def _fresh_topics():
    from service.webapp import names

    names.TOPICS_CACHE.clear()
    yield
    names.TOPICS_CACHE.clear()


def _session_page(app, client, fake, with_topics: bool) -> tuple[str, list[str]]:
    evaluation, agent, topics = _fake_evaluation(app, fake, with_topics)
    dev_signin(client, agent, "agent")
    html = client.get("/app/coaching").get_data(as_text=True)
    session_id = html.split('href="/app/coaching/')[1].split('"')[0]
    return f"/app/coaching/{session_id}", topics


def test_session_interactions_show_their_topics(app, client, fake, _fresh_topics):
    page, topics = _session_page(app, client, fake, with_topics=True)
    html = client.get(page).get_data(as_text=True)
    assert "Topics: " + ", ".join(topics) in html
    calls = fake.calls_to("/api/v2/speechandtextanalytics/*")
    client.get(page)  # cached: Genesys is not asked again
    assert fake.calls_to("/api/v2/speechandtextanalytics/*") == calls


def test_session_page_renders_without_topics_when_genesys_refuses(app, client, fake, _fresh_topics):
    page, _ = _session_page(app, client, fake, with_topics=True)
    fake.faults.fail_next(5, status=403, pattern="/api/v2/speechandtextanalytics/*")
    resp = client.get(page)
    assert resp.status_code == 200 and "Topics:" not in resp.get_data(as_text=True)
    assert "Interactions marked for coaching" in resp.get_data(as_text=True)
