"""Policies: the example file, YAML validation, layering, the CLI round trip."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import main
from service.coaching import policies
from service.db import get_db
from service.errors import InvalidInput

EXAMPLE = Path(__file__).resolve().parents[2] / "policies.example.yaml"


def test_example_file_is_valid():
    parsed = policies.parse_file(EXAMPLE.read_text())
    assert [p.form_id for p in parsed.policies][0] == "*"
    assert len(parsed.policies) == 4


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("policies: [{form_id: f, treshold: 70}]", "treshold"),
        ("policies: [{form_id: f, threshold: 170}]", "threshold"),
        ("policies: [{form_id: f, target: carrier_pigeon}]", "target"),
        ("policies: [{form_id: f}, {form_id: f}]", "more than once"),
        ("policies: [{threshold: 70}]", "form_id"),
        ("policies: [{form_id: f, holidays: [not-a-date]}]", "holidays"),
    ],
)
def test_bad_policy_files_name_the_problem(text, field):
    with pytest.raises(InvalidInput) as exc:
        policies.parse_file(text)
    assert any(field in e["field"] or field in e["message"] for e in exc.value.errors)


def test_not_yaml():
    with pytest.raises(InvalidInput):
        policies.parse_file("policies: [unclosed")


def test_layering_form_over_default_over_settings(app, settings):
    with get_db(app).session_scope() as s:
        policies.load_file(s, text=EXAMPLE.read_text())
    form = "6f1c7a58-2b1e-4c1f-9d54-3c1f0c2b9e11"
    with get_db(app).session_scope() as s:
        p = policies.resolve(s, settings, form)
        d = policies.resolve(s, settings, "some-other-form")
    assert (p.threshold, p.target, p.weekly_cap, p.due_business_days) == (
        80,
        "genesys_learning",
        3,
        5,
    )
    assert date(2026, 12, 25) in p.holidays
    assert p.section_rule("x", "EMPATHY") == (
        "0a2e6c7e-5d8b-4c52-9a43-7c3d9f6b1a10",
        "genesys_learning",
    )
    # The default's Compliance entry still applies, with its own target.
    assert p.section_rule("x", "Compliance") == ("compliance-refresher", "lms_webhook")
    assert p.section_rule("x", "Unmapped") == ("coaching-general", "genesys_learning")
    assert (d.threshold, d.target, d.source) == (75, "local", "*")


def test_no_policy_means_settings(app, settings):
    settings.coaching_threshold = 70
    with get_db(app).session_scope() as s:
        p = policies.resolve(s, settings, "f")
    assert (p.threshold, p.target, p.source) == (70, "local", "settings")


@pytest.mark.sqlite_only
def test_cli_load_list_export_roundtrip(app, settings, tmp_path, monkeypatch):
    monkeypatch.setenv("QM_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("QM_INSTANCE_PATH", str(tmp_path / "inst"))
    runner = CliRunner()
    loaded = runner.invoke(main, ["policies", "load", str(EXAMPLE)])
    assert loaded.exit_code == 0, loaded.output
    assert "loaded 4 policies" in loaded.output
    listed = runner.invoke(main, ["policies", "list", "--format", "json"])
    by_form = {p["formId"]: p for p in json.loads(listed.output)}
    assert by_form["6f1c7a58-2b1e-4c1f-9d54-3c1f0c2b9e11"]["threshold"] == 80
    assert "genesys_workitem" in {p["target"] for p in by_form.values()}
    table = runner.invoke(main, ["policies", "list"]).output
    assert "genesys_workitem" in table and "{" not in table
    out = tmp_path / "exported.yaml"
    assert runner.invoke(main, ["policies", "export", "-o", str(out)]).exit_code == 0
    again = policies.parse_file(out.read_text()).policies
    original = policies.parse_file(EXAMPLE.read_text()).policies
    assert sorted(again, key=lambda p: p.form_id) == sorted(original, key=lambda p: p.form_id)
    reloaded = runner.invoke(main, ["policies", "load", str(out)])
    assert "(v1)" in reloaded.output  # identical documents do not bump the version
    bad = tmp_path / "bad.yaml"
    bad.write_text("policies: [{form_id: f, treshold: 1}]")
    failed = runner.invoke(main, ["policies", "load", str(bad)])
    assert failed.exit_code == 2 and "treshold" in failed.output and str(bad) in failed.output
