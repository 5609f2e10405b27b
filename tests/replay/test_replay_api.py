"""``POST /api/v1/replay`` and ``qmloop replay``: the report through the fake org, compare mode,
the three formats, and bad input as problem+json 400 / exit code 2 with one line."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from service.auth.service import issue_token
from service.cli import main
from service.coaching import policies
from service.coaching.models import ArchiveTask, CoachingAssignment
from service.db import get_db
from service.demo.run import policy_yaml
from service.jobs.models import Job


def admin(settings) -> dict[str, str]:
    token = issue_token(settings, "admin:qa", role="admin", user_id="qa-manager")
    return {"Authorization": f"Bearer {token}"}


def span(fake) -> dict[str, str]:
    days = [date.fromisoformat(e["createdDate"][:10]) for e in fake.org.evaluations.values()]
    return {"from": min(days).isoformat(), "to": max(days).isoformat()}


@pytest.fixture
def stored(app, fake):
    """The demo's policy stored as the current one."""
    with get_db(app).session_scope() as session:
        policies.load_file(session, text=policy_yaml(fake), replace=True)


def test_rest_replay_compares_two_policies_with_the_difference(app, client, settings, fake, stored):
    body = {**span(fake), "compareYaml": policy_yaml(fake, threshold=95, weekly_cap=0)}
    resp = client.post("/api/v1/replay", json=body, headers=admin(settings))
    assert resp.status_code == 200, resp.get_json()
    report = resp.get_json()
    assert report["policies"] == ["current", "compare"]
    assigned = report["totals"]["assigned"]
    assert assigned["values"][1] > assigned["values"][0] >= 1
    assert assigned["difference"] == assigned["values"][1] - assigned["values"][0]
    assert report["totals"]["capped"]["values"][1] == 0
    assert report["totals"]["evaluations"]["values"] == [36, 36]
    assert report["source"]["evaluations"] == 36 and report["source"]["genesysRequests"] > 36
    row = report["rows"][0]
    assert row["week"].startswith(str(date.today().year)[:3]) and "-W" in row["week"]
    assert row["team"] and row["agent"] != row["agentId"]
    module = report["modules"][0]
    assert module["section"] and module["module"] and len(module["values"]) == 2
    names = {m["name"] for m in fake.org.modules.values()}
    assert all(m["moduleName"] in names for m in report["modules"])
    # Nothing happened in the loop: no assignment, no job, nothing created in Genesys.
    with get_db(app).session_scope() as session:
        for table in (CoachingAssignment, ArchiveTask, Job):
            assert session.scalar(select(func.count()).select_from(table)) == 0
    assert fake.created()["learningAssignments"] == [] and fake.created()["workitems"] == []


def test_a_second_replay_takes_evaluations_from_the_cache(client, settings, fake, stored):
    first = client.post("/api/v1/replay", json=span(fake), headers=admin(settings)).get_json()
    again = client.post("/api/v1/replay", json=span(fake), headers=admin(settings)).get_json()
    assert first["source"]["cachedEvaluations"] == 0
    assert again["source"]["cachedEvaluations"] > 0
    assert again["source"]["genesysRequests"] < first["source"]["genesysRequests"]
    assert again["totals"] == first["totals"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"from": "2026-13-01", "to": "2026-11-30"}, "from"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "before"),
        ({"from": "2025-01-01", "to": "2026-11-30"}, "366 days"),
        ({"from": "2026-11-01"}, "to"),
        ({"from": "2026-11-01", "to": "2026-11-02", "policyYaml": "policies: [{treshold: 1}]"}, ""),
        ({"from": "2026-11-01", "to": "2026-11-02", "policyYaml": "a: [b"}, "YAML"),
        ({"from": "2026-11-01", "to": "2026-11-02", "extra": 1}, "extra"),
    ],
)
def test_bad_input_is_problem_json_400(client, settings, body, field):
    resp = client.post("/api/v1/replay", json=body, headers=admin(settings))
    assert resp.status_code == 400
    assert resp.content_type == "application/problem+json"
    assert field in json.dumps(resp.get_json())
    assert "Value error" not in json.dumps(resp.get_json())  # pydantic's prefix, not ours


def test_only_admins_replay(client, settings, fake):
    token = issue_token(settings, "supervisor:s", role="supervisor", user_id="s1")
    resp = client.post(
        "/api/v1/replay", json=span(fake), headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status_code == 403


@pytest.fixture
def cli_env(settings, fake, app, stored, tmp_path):
    """The CLI pointed at the test database and the fake org."""
    return {
        "QM_DATABASE_URL": settings.database_url,
        "QM_INSTANCE_PATH": str(tmp_path),
        "QM_GENESYS_API_HOST": fake.url,
        "QM_GENESYS_CLIENT_ID": fake.client_id,
        "QM_GENESYS_CLIENT_SECRET": fake.client_secret,
        "QM_LOG_LEVEL": "WARNING",
    }


def _cli(args, env):
    return CliRunner().invoke(main, ["replay", *args], env=env)


@pytest.mark.sqlite_only
def test_cli_formats_table_json_csv(cli_env, fake, tmp_path):
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(policy_yaml(fake, threshold=95))
    when = span(fake)
    base = ["--from", when["from"], "--to", when["to"], "--compare", str(candidate)]
    table = _cli([*base, "--format", "table"], cli_env)
    assert table.exit_code == 0, table.output
    assert "current vs candidate.yaml" in table.output and "assigned" in table.output
    assert "->" in table.output  # a changed value shows both sides
    data = json.loads(_cli([*base, "--format", "json"], cli_env).output)
    assert data["policies"] == ["current", "candidate.yaml"]
    out = tmp_path / "r.csv"
    written = _cli([*base, "--format", "csv", "-o", str(out)], cli_env)
    assert written.exit_code == 0 and "wrote" in written.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert set(rows[0]) >= {"week", "team", "agent", "metric", "current", "candidate.yaml"}
    assigned = [r for r in rows if r["metric"] == "assigned" and not r["section"]]
    total = sum(float(r["candidate.yaml"]) for r in assigned)
    assert total == data["totals"]["assigned"]["values"][1]
    by_module = [r for r in rows if r["section"]]
    assert by_module and all(r["module"] for r in by_module)


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--from", "2026-02-30", "--to", "2026-03-01"], "from:"),
        (["--from", "2026-03-02", "--to", "2026-03-01"], "is before 'from'"),
        (["--from", "2026-03-01", "--to", "2026-03-02", "--policy", "BAD"], "invalid"),
    ],
)
def test_cli_bad_dates_or_policy_exit_2_with_one_line(cli_env, tmp_path, args, line):
    bad = tmp_path / "bad.yaml"
    bad.write_text("policies: [{form_id: f, treshold: 1}]\n")
    args = [str(bad) if a == "BAD" else a for a in args]
    result = _cli(args, cli_env)
    assert result.exit_code == 2, result.output
    assert line in result.stderr and result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_without_genesys_the_replay_is_a_409_not_a_server_error(settings, request):
    settings.genesys_api_host = ""
    settings.genesys_client_id = ""
    client = request.getfixturevalue("client")
    body = {"from": "2026-11-01", "to": "2026-11-02"}
    resp = client.post("/api/v1/replay", json=body, headers=admin(settings))
    assert resp.status_code == 409, resp.get_json()
    assert resp.content_type == "application/problem+json"
    assert resp.get_json()["code"] == "genesys_not_configured"
