"""``/api/v1/insights/...`` and ``qmloop insights``: answers for staff, refusals for others,
bad input as problem+json (REST) and exit code 2 (CLI)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from service.auth.service import issue_token
from service.cli import main
from service.db import get_db
from tests.insights import helpers as h

BASE = "/api/v1/insights"


def bearer(settings, role: str, user_id: str = "") -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, 'p-' + role, role, user_id)}"}


def test_staff_read_the_reports_and_agents_are_refused(app, client, settings):
    with get_db(app).session_scope() as s:
        s.add(h.coaching("coached", 40, 50))
        s.add_all(h.section_scores("coached", [(12, 60), (20, 70), (55, 80), (60, 90)]))
    sup = bearer(settings, "supervisor", "sam")
    resp = client.get(f"{BASE}/effectiveness?from=2026-09-01&to=2026-12-01", headers=sup)
    assert resp.status_code == 200, resp.get_json()
    [m] = resp.get_json()["modules"]
    assert (m["n_before"], m["n_after"], m["change"]["estimate"]) == (2, 2, 20.0)
    assert client.get(f"{BASE}/trust", headers=sup).get_json()["questions"] == []
    assert client.get(f"{BASE}/alerts", headers=sup).get_json() == {"alerts": []}
    agent = bearer(settings, "agent", "alice")
    assert client.get(f"{BASE}/trust", headers=agent).status_code == 403
    assert client.post(f"{BASE}/alerts/check", headers=sup).status_code == 403  # admins only
    admin = bearer(settings, "admin", "ada")
    assert client.post(f"{BASE}/alerts/check", headers=admin).get_json() == {
        "opened": 0,
        "resolved": 0,
    }


@pytest.mark.parametrize(
    "query",
    [
        "from=yesterday",
        "to=2026-13-01",
        "from=2026-11-01&to=2026-10-01",  # an empty window
        "from=2026-11-01&to=2026-11-01",
        "from=0001-01-01",  # outside the plausible years
        "since=2026-01-01",  # an unknown parameter is refused, not ignored
    ],
)
def test_bad_windows_are_problem_json(client, settings, query):
    resp = client.get(f"{BASE}/effectiveness?{query}", headers=bearer(settings, "admin", "ada"))
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["code"] == "validation_error"


def test_trust_refuses_parameters(client, settings):
    resp = client.get(f"{BASE}/trust?window=5", headers=bearer(settings, "admin", "ada"))
    assert resp.status_code == 400 and resp.mimetype == "application/problem+json"


@pytest.fixture
def cli_env(monkeypatch, settings, app):
    monkeypatch.setenv("QM_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("QM_INSTANCE_PATH", str(settings.instance_path))
    return app


def test_cli_reports(cli_env):
    with get_db(cli_env).session_scope() as s:
        s.add(h.coaching("coached", 40, 50))
        s.add_all(h.section_scores("coached", [(12, 60), (20, 70), (55, 80), (60, 90)]))
    out = CliRunner().invoke(main, ["insights", "effectiveness", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["modules"][0]["change"]["estimate"] == 20.0
    table = CliRunner().invoke(main, ["insights", "effectiveness", "--from", "2026-09-01"])
    assert table.exit_code == 0 and "m-empathy" in table.output and "+20.0" in table.output
    for command in ("trust", "evaluators"):
        result = CliRunner().invoke(main, ["insights", command])
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["effectiveness", "--from", "soon"], "Invalid value for --from"),
        (["effectiveness", "--from", "2026-11-02", "--to", "2026-11-01"], "must be after --from"),
        (["trust", "--format", "xml"], "Invalid value for '--format'"),
    ],
)
def test_cli_bad_input_exits_2(cli_env, args, message):
    result = CliRunner().invoke(main, ["insights", *args])
    assert result.exit_code == 2
    assert message in result.output
