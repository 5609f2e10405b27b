"""Readable, quiet command output: tables that fit, full text in JSON, no reprs, no log noise."""

from __future__ import annotations

import json
import logging

import pytest
from click.testing import CliRunner

from service.cli import main
from service.cliutil import render_table
from service.logs import JsonFormatter

pytestmark = pytest.mark.sqlite_only

LONG_ERROR = (
    "UpstreamError: Genesys answered 400 on POST /api/v2/learning/assignments: the module "
    "4a1c9e2b-7d3f-4e8a-9b6c-1f2e3d4c5b6a is archived; pick another module in the policy"
)


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QM_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("QM_DATABASE_URL", f"sqlite:///{tmp_path / 'out.db'}")
    monkeypatch.setenv("QM_LOG_JSON", "true")
    return tmp_path


def _dead_job(error: str) -> str:
    from service import create_app
    from service.cli import load_settings
    from service.db import get_db
    from service.jobs import service

    app = create_app(load_settings())
    with get_db(app).session_scope() as session:
        job, _ = service.enqueue(session, "coaching.deliver", {"assignmentId": "a1"})
        job.state, job.attempts, job.last_error = "dead", 4, error
        job_id = str(job.id)
    get_db(app).engine.dispose()
    return job_id


def test_jobs_list_keeps_the_whole_error_and_fits_the_terminal(instance):
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    job_id = _dead_job(LONG_ERROR)
    table = runner.invoke(main, ["jobs", "list"], env={"COLUMNS": "100"})
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0] == "jobs: queued 0, running 0, done 0, dead 1"
    assert max(len(line) for line in lines) <= 100
    # Wrapped, not cut: every word of the error is there, "400" whole.
    assert "".join(LONG_ERROR.split()) in "".join(" ".join(lines[2:]).split()[4:])
    assert "answered 400 on" in " ".join(" ".join(lines).split())
    assert "{" not in table.stdout
    as_json = json.loads(runner.invoke(main, ["jobs", "list", "--format", "json"]).stdout)
    assert as_json["counts"] == {"queued": 0, "running": 0, "done": 0, "dead": 1}
    assert as_json["jobs"][0]["id"] == job_id and as_json["jobs"][0]["lastError"] == LONG_ERROR


def test_jobs_run_says_what_ran(instance):
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(main, ["jobs", "run"])
    assert result.exit_code == 0 and result.stdout == "no jobs were due\n"


def test_policies_commands_are_quiet_unless_verbose(instance):
    runner = CliRunner()
    quiet = runner.invoke(main, ["policies", "list"])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.output == "no stored policies; the QM_COACHING_* settings apply\n"
    (instance / "out.db").unlink()
    logging.getLogger().handlers[:] = [
        h for h in logging.getLogger().handlers if not getattr(h, "_qmloop", False)
    ]
    verbose = runner.invoke(main, ["-v", "policies", "list"])
    assert verbose.exit_code == 0
    assert "Running upgrade" in verbose.stderr or "Running upgrade" in verbose.output


@pytest.mark.parametrize(
    ("headers", "rows", "width"),
    [
        (["id", "error"], [["j1", LONG_ERROR]], 60),
        (["a", "b", "c"], [["x" * 10, 1.5, None], ["y", 2, "short"]], 40),
        (["only"], [[LONG_ERROR]], 30),
    ],
)
def test_render_table_fits_and_loses_nothing(headers, rows, width):
    text = render_table(headers, rows, width=width)
    assert max(len(line) for line in text.splitlines()) <= width
    squeezed = "".join(text.split())
    for row in rows:
        for cell in row:
            expected = "-" if cell is None else f"{cell:g}" if isinstance(cell, float) else cell
            assert "".join(str(expected).split()) in squeezed


def test_json_log_lines_carry_no_colour_codes():
    record = logging.makeLogRecord(
        {"name": "werkzeug", "levelname": "INFO", "msg": '"GET / HTTP/1.1" \x1b[33m404\x1b[0m -'}
    )
    line = JsonFormatter().format(record)
    assert "\x1b" not in line and "\\u001b" not in line
    assert json.loads(line)["msg"] == '"GET / HTTP/1.1" 404 -'
