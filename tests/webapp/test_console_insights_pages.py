"""The console's insight pages through the Flask client on both databases: they render the
seeded numbers, a bad window is a 400 page (never a 500), agents get 403."""

from __future__ import annotations

from tests.insights.helpers import seed_console
from tests.webapp.conftest import dev_signin

AGENTS = [f"agent-{i}" for i in range(10)]


def test_pages_render_for_a_qa_manager(app, client):
    seed_console(app, AGENTS, owner="sup-1")
    dev_signin(client, "sup-1", "supervisor")
    trust = client.get("/app/console/trust")
    assert trust.status_code == 200
    html = trust.get_data(as_text=True)
    assert "Too many overturns" in html and "your form" in html and 'id="trust-chart"' in html
    effect = client.get("/app/console/effectiveness?from=2026-09-01&to=2026-12-01")
    html = effect.get_data(as_text=True)
    assert effect.status_code == 200 and "m-empathy" in html and "Improved" in html
    bad = client.get("/app/console/effectiveness?from=2026-12-01&to=2026-11-01")
    assert bad.status_code == 400


def test_agents_are_refused(app, client):
    dev_signin(client, "agent-1", "agent")
    assert client.get("/app/console/trust").status_code == 403
    assert client.get("/app/console/effectiveness").status_code == 403
