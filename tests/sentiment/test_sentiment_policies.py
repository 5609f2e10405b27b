"""Sentiment policies: YAML load/export round trip, layering, validation, the CLI."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from service.cli import main
from service.db import get_db
from service.errors import InvalidInput
from service.sentiment import policies

YAML = """
policies:
  - queue_id: "*"
    run_length: 4
    agent_below: -0.25
  - queue_id: q-1
    run_length: 2
    coach_pool: [coach-a, coach-b]
"""


def test_load_export_round_trip_and_layering(app) -> None:
    with get_db(app).session_scope() as s:
        policies.load_file(s, text=YAML)
    with get_db(app).session_scope() as s:
        exported = policies.export_yaml(s)
        default, queue = policies.resolve(s, ""), policies.resolve(s, "q-1")
    assert default.thresholds.run_length == 4 and queue.thresholds.run_length == 2
    assert queue.thresholds.agent_below == -0.25  # inherited from the default policy
    assert queue.thresholds.customer_below == -0.6  # the built-in value
    assert queue.thresholds.window == timedelta(days=7) and queue.coach_pool == (
        "coach-a",
        "coach-b",
    )
    with get_db(app).session_scope() as s:
        policies.load_file(s, text=exported, replace=True)
        assert [r.version for r in policies.list_policies(s)] == [1, 1]  # unchanged: no new version


@pytest.mark.parametrize(
    "text",
    [
        "policies: [{queue_id: '*', appointment_minutes: 20}]",  # not a 15-minute step
        "policies: [{queue_id: '*', appointment_minutes: 75}]",  # over 60
        "policies: [{queue_id: '*', customer_below: -1.5}]",
        "policies: [{queue_id: '*', fallback_target: genesys_coaching_appointment}]",
        "policies: [{queue_id: '*', surprise: 1}]",
        "policies: [: bad yaml",
    ],
)
def test_invalid_policies_are_refused_with_a_clear_error(text) -> None:
    with pytest.raises(InvalidInput):
        policies.parse_file(text)


@pytest.mark.sqlite_only
def test_cli_load_list_export(settings, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("QM_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("QM_CLIENT_SECRET", "x")
    path = tmp_path / "sentiment.yaml"
    path.write_text(YAML)
    runner = CliRunner()
    loaded = runner.invoke(main, ["sentiment", "policies", "load", str(path)])
    assert loaded.exit_code == 0, loaded.output
    assert "loaded 2 sentiment policies" in loaded.output
    listed = runner.invoke(main, ["sentiment", "policies", "list"])
    assert "run=2" in listed.output and "run=4" in listed.output
    exported = runner.invoke(main, ["sentiment", "policies", "export"])
    assert "q-1" in exported.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("policies: [{queue_id: '*', run_length: 0}]")
    refused = runner.invoke(main, ["sentiment", "policies", "load", str(bad)])
    assert refused.exit_code == 1 and "run_length" in refused.output
