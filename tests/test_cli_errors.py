"""Every ``qmloop`` command, given a typical mistake: one clear line and the documented exit code.

Exit codes: 0 done, 1 could not do the work, 2 bad usage or input (README, "Commands").
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from service.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CARD = str(EXAMPLES / "scorecards" / "retail_support.yaml")
TRANSCRIPT = str(EXAMPLES / "transcripts" / "abcd_3592.json")

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A fresh, unmigrated instance in an empty working directory; no model, no Genesys."""
    monkeypatch.chdir(tmp_path)
    for name in ("QM_LLM_BASE_URL", "QM_LLM_MODEL", "QM_GENESYS_API_HOST", "QM_GENESYS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QM_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("QM_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    (tmp_path / "card.yaml").write_text(Path(CARD).read_text())
    (tmp_path / "unlabelled").mkdir()
    (tmp_path / "unlabelled" / "t1.json").write_text(Path(TRANSCRIPT).read_text())
    (tmp_path / "bad-policy.yaml").write_text("policies: [{form_id: f, treshold: 1}]\n")
    (tmp_path / "ratings.csv").write_text("unit,who,score\nu1,a,3\n")
    (tmp_path / "instance").mkdir()
    return tmp_path


def _migrated(workdir):
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0


# command, mistake (extra environment), expected line (substring of stderr), exit code
CASES = [
    ("serve --port abc", {}, "Invalid value for '--port'", 2),
    ("serve", {"QM_COACHING_THRESHOLD": "abc"}, "setting QM_COACHING_THRESHOLD: Input should", 2),
    ("worker", {"QM_DB_POOL_SIZE": "0"}, "setting QM_DB_POOL_SIZE:", 2),
    ("db upgrade", {"QM_DATABASE_URL": "nonsense"}, "setting QM_DATABASE_URL:", 2),
    ("db revision", {}, "Missing option '-m'", 2),
    ("export nope", {}, "Invalid value for 'KIND'", 2),
    ("export coaching_assignments", {}, "run `qmloop db upgrade`", 1),
    ("export coaching_assignments --cursor garbage", {}, "cursor is not one this service wrote", 1),
    ("events list --from yesterday", {}, "Invalid value for --from", 2),
    ("events replay", {}, "give --id or a --from/--to window", 2),
    ("jobs list", {}, "run `qmloop db upgrade`", 1),
    ("jobs list --state bogus", {}, "Invalid value for '--state'", 2),
    ("jobs retry", {}, "give a JOB_ID or --all-dead", 2),
    ("jobs purge", {}, "Missing option '--state'", 2),
    ("jobs run", {"QM_JOB_BACKOFF_SECONDS": "soon"}, "setting QM_JOB_BACKOFF_SECONDS", 2),
    ("token issue --user-id u1", {}, "Missing option '--role'", 2),
    ("token issue --role agent --user-id u1 --ttl-hours 0", {}, "'--ttl-hours'", 2),
    (
        "token issue --role admin --user-id u1 --division",
        {},
        "'--division' requires an argument",
        2,
    ),
    ("directory sync", {}, "Genesys is not configured: set QM_GENESYS_API_HOST", 2),
    ("directory set --user u1", {}, "Missing option '--division'", 2),
    ("directory set --user " + "u" * 129 + " --division d1", {}, "at most 128 characters", 2),
    ("directory set --user u1 --division \x01", {}, "must not contain control characters", 2),
    ("token issue --role admin --user-id u1 --division " + "d" * 129, {}, "at most 128", 2),
    ("erase --user " + "u" * 200, {}, "Invalid value for '--user': at most 128 characters", 2),
    ("credentials show --bogus", {}, "No such option '--bogus'", 2),
    ("policies load missing.yaml", {}, "'missing.yaml' does not exist", 2),
    ("replay --from 2026-13-01 --to 2026-12-01", {}, "from: Input should be a valid date", 2),
    ("replay --from 2026-12-02 --to 2026-12-01", {}, "ReplayIn: 'to' (2026-12-01) is before", 2),
    ("replay --from 2026-11-01 --to 2026-11-02 --policy bad-policy.yaml", {}, "invalid", 2),
    ("replay --from 2026-11-01 --to 2026-11-02", {}, "Genesys is not configured", 2),
    ("policies load bad-policy.yaml", {}, "bad-policy.yaml: ", 2),
    ("policies export -o nowhere/p.yaml", {}, "nowhere/p.yaml: No such file or directory", 1),
    ("policies list", {"QM_COACHING_WEEKLY_CAP": "-1"}, "setting QM_COACHING_WEEKLY_CAP", 2),
    ("demo --seed abc", {}, "Invalid value for '--seed'", 2),
    ("kit check --root .", {}, "has no data_actions/ folder; pass --root <checkout>", 2),
    (f"score card.yaml --scorecard {CARD}", {}, "card.yaml: not valid JSON (Expecting value", 2),
    (f"score {TRANSCRIPT} --scorecard {TRANSCRIPT}", {}, "abcd_3592.json: ", 2),
    (f"score {TRANSCRIPT} --scorecard {CARD}", {}, "no model configured: set QM_LLM_BASE_URL", 1),
    (
        f"score {TRANSCRIPT} --scorecard {CARD}",
        {
            "QM_LLM_BASE_URL": "http://127.0.0.1:9/v1",
            "QM_LLM_MODEL": "m",
            "QM_LLM_MAX_RETRIES": "0",
        },
        "could not score: the model at QM_LLM_BASE_URL=http://127.0.0.1:9/v1 failed",
        1,
    ),
    (
        f"eval unlabelled --scorecard {CARD}",
        {"QM_LLM_BASE_URL": "http://127.0.0.1:9/v1", "QM_LLM_MODEL": "m"},
        "unlabelled: no labelled transcripts",
        2,
    ),
    (f"score-batch unlabelled --scorecard {CARD} --out o.jsonl", {}, "no model configured", 1),
    ("scoring-reconcile", {}, "run `qmloop db upgrade`", 1),
    ("calibration agreement ratings.csv", {}, "ratings.csv: missing column(s): rater", 2),
    ("calibration collect", {}, "Genesys is not configured: set QM_GENESYS_API_HOST", 2),
    ("calibration programs load missing.yaml", {}, "'missing.yaml' does not exist", 2),
    ("sentiment policies load missing.yaml", {}, "'missing.yaml' does not exist", 2),
    ("sentiment balance --days 0", {}, "Invalid value for '--days'", 2),
    ("sentiment demo --bogus", {}, "No such option '--bogus'", 2),
    (f"fairness --scorecard {CARD} missing-dir", {}, "'missing-dir' does not exist", 2),
    ("purge", {"QM_GOVERNANCE_RETENTION_DAYS": '{"recordings": 3}'}, "unknown retention", 2),
    ("erase --user u1 --dry-run", {}, "run `qmloop db upgrade`", 1),
    ("forget", {}, "give exactly one of --conversation, --recording and --evaluation", 2),
    ("reconcile", {}, "Genesys is not configured", 2),
    ("encryption keygen --bogus", {}, "No such option '--bogus'", 2),
    ("encryption rotate", {}, "QM_GOVERNANCE_ENCRYPTION_KEYS is empty", 2),
    ("insights effectiveness --from soon", {}, "Invalid value for --from", 2),
    ("insights effectiveness --from 1900-01-01", {}, "--from: must be between 1970-01-01", 2),
    ("insights trust", {}, "run `qmloop db upgrade`", 1),
    ("insights evaluators --format xml", {}, "Invalid value for '--format'", 2),
    ("nonsense", {}, "No such command 'nonsense'", 2),
]


@pytest.mark.parametrize(("command", "env", "line", "code"), CASES, ids=[c[0] for c in CASES])
def test_mistake_gives_one_line_and_exit_code(workdir, command, env, line, code):
    result = CliRunner().invoke(main, command.split(), env=env)
    assert result.exit_code == code, result.output
    assert line in result.stderr, result.output
    assert "Traceback" not in result.output
    errors = [x for x in result.stderr.splitlines() if x.lower().startswith("error")]
    assert len(errors) == 1, result.stderr  # one line says what is wrong


def test_every_command_is_in_the_table():
    """A new command needs a row above (its typical mistake, its line, its exit code)."""
    covered = {" ".join(c[0].split()[:2]) for c in CASES} | {c[0].split()[0] for c in CASES}
    missing = []
    main.list_commands(click.Context(main))  # domain commands load on first use: all of them
    for name, command in main.commands.items():
        subs = getattr(command, "commands", None)
        if subs:
            missing += [f"{name} {sub}" for sub in subs if f"{name} {sub}" not in covered]
        elif name not in covered:
            missing.append(name)
    assert missing == ["fake-genesys"] or missing == [], missing  # fake-genesys: test below


def test_fake_genesys_on_a_busy_port(workdir):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["fake-genesys", "--port", str(port)])
    assert result.exit_code == 1
    assert f"error: port {port} on 127.0.0.1: " in result.stderr
    assert "pick another with --port" in result.stderr


def test_serve_on_a_busy_port(workdir):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: port {port} on 127.0.0.1: ")


def test_unknown_job_id(workdir):
    _migrated(workdir)
    result = CliRunner().invoke(main, ["jobs", "retry", "no-such-job"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: no job no-such-job; `qmloop jobs list --state dead` shows the ids"
    )


def test_debug_shows_the_traceback(workdir):
    result = CliRunner().invoke(main, ["--debug", "jobs", "list"])
    assert result.exit_code == 1 and result.exception is not None
    assert "OperationalError" in type(result.exception).__name__


def test_corrupt_credentials_file_is_named(workdir):
    (workdir / "instance" / "credentials.json").write_text("{oops")
    result = CliRunner().invoke(main, ["credentials", "show"])
    assert result.exit_code == 2
    assert "credentials.json: not valid JSON (Expecting property name" in result.stderr


def test_semicolon_csv_with_decimal_commas_is_read(workdir):
    semi = workdir / "semi.csv"
    comma = workdir / "comma.csv"
    rows = [("u1", "a", "3.5"), ("u1", "b", "4"), ("u2", "a", "2"), ("u2", "b", "2.5")]
    rows += [("u3", "a", "1"), ("u3", "b", "1.5")]
    comma.write_text("unit,rater,score\n" + "".join(f"{u},{r},{s}\n" for u, r, s in rows))
    semi.write_text(
        "Unit;Rater;Score\n" + "".join(f"{u};{r};{s.replace('.', ',')}\n" for u, r, s in rows)
    )
    out = [CliRunner().invoke(main, ["calibration", "agreement", str(p)]) for p in (comma, semi)]
    assert [r.exit_code for r in out] == [0, 0], [r.output for r in out]
    assert json.loads(out[0].stdout) == json.loads(out[1].stdout)
    tabbed = workdir / "tab.csv"
    tabbed.write_text(comma.read_text().replace(",", "\t"))
    tab = CliRunner().invoke(main, ["calibration", "agreement", str(tabbed)])
    assert json.loads(tab.stdout) == json.loads(out[0].stdout)
