"""Liveness, readiness and refusing to start on a database that was never migrated."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from service import create_app
from service.db import get_db
from service.fakes.genesys import FakeGenesys
from service.migrate import SchemaStatus
from service.system.readiness import CheckResult, add_readiness_check
from tests.conftest import basic_header


@pytest.fixture
def empty_url(backend, tmp_path, request):
    """A reachable database with no QM Loop schema at all."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    base = make_url(request.getfixturevalue("pg_database"))
    name = f"qmloop_empty_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


HEADS = frozenset({"coaching", "exports"})
KNOWN = frozenset({"core", "old_coaching", "coaching", "exports"})
ALL = KNOWN


@pytest.mark.parametrize(
    ("current", "applied", "at_head", "says"),
    [
        (set(), set(), False, "no QM Loop schema: run `qmloop db upgrade`"),
        ({"core"}, {"core"}, False, "behind this code: run `qmloop db upgrade`"),
        ({"old_coaching"}, {"core", "old_coaching"}, False, "behind this code"),
        ({"coaching", "exports"}, ALL, True, "up to date"),
        # Alembic drops "coaching" from its table once "exports" depends_on it: still at head.
        ({"exports"}, ALL, True, "up to date"),
        ({"coaching", "exports", "future"}, ALL | {"future"}, False, "newer than this code"),
    ],
)
def test_schema_status(current, applied, at_head, says):
    status = SchemaStatus(frozenset(current), HEADS, frozenset(applied), KNOWN)
    assert status.at_head is at_head
    assert says in status.describe()


def test_ready_on_a_migrated_database_without_credentials(client):
    resp = client.get("/health/ready")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["migrations"] == {"ok": True}
    assert body["checks"]["genesys"] == {"ok": True, "reason": "not configured"}
    assert body["checks"]["queue"] == {"ok": True, "queued": 0, "running": 0, "dead": 0}


def test_unmigrated_database_is_not_ready_and_routes_answer_503(empty_url, settings):
    app = create_app(settings.model_copy(update={"database_url": empty_url}))
    client = app.test_client()
    try:
        assert client.get("/health").get_json() == {"status": "ok"}
        resp = client.get("/health/ready")
        assert resp.status_code == 503
        assert resp.mimetype == "application/problem+json"
        assert resp.headers["Retry-After"] == "5"
        body = resp.get_json()
        assert body["code"] == "not_ready"
        assert body["checks"]["database"]["ok"] is True
        assert body["checks"]["migrations"] == {
            "ok": False,
            "reason": "the database has no QM Loop schema: run `qmloop db upgrade`",
        }
        assert "migrations: the database has no QM Loop schema" in body["detail"]
        # What used to be 500 "no such table" is a 503 that names the fix.
        action = {"agentId": "a1", "evaluationId": "e1", "sectionId": "s1", "percentage": 40}
        resp = client.post("/data-actions/assign-coaching", json=action, headers=basic_header())
        assert resp.status_code == 503, resp.get_json()
        assert resp.get_json()["code"] == "db_not_migrated"
        assert "qmloop db upgrade" in resp.get_json()["detail"]
    finally:
        get_db(app).dispose()


def test_checks_are_a_list_other_parts_extend(app, client):
    add_readiness_check(app, "llm_output", lambda _app: CheckResult(True, "json_object fallback"))
    assert client.get("/health/ready").get_json()["checks"]["llm_output"] == {
        "ok": True,
        "reason": "json_object fallback",
    }

    def broken(_app):
        raise RuntimeError("secret detail from postgresql://u:pw@db.internal/x")

    add_readiness_check(app, "broken", broken)
    resp = client.get("/health/ready")
    assert resp.status_code == 503
    broken_check = resp.get_json()["checks"]["broken"]
    assert broken_check == {"ok": False, "reason": "check failed: RuntimeError"}
    assert "pw" not in resp.get_data(as_text=True)
    assert "db.internal" not in resp.get_data(as_text=True)


def test_a_hung_check_fails_within_the_timeout(settings):
    app = create_app(settings.model_copy(update={"readiness_timeout_seconds": 0.2}))
    add_readiness_check(app, "slow", lambda _app: time.sleep(2) or CheckResult(True))
    try:
        started = time.monotonic()
        resp = app.test_client().get("/health/ready")
        assert time.monotonic() - started < 1.5
        assert resp.status_code == 503
        slow = resp.get_json()["checks"]["slow"]
        assert slow == {"ok": False, "reason": "no answer within 0.2 s"}
    finally:
        get_db(app).dispose()


@pytest.fixture
def fake_genesys():
    fake = FakeGenesys(seed=1, client_secret="planted-genesys-secret").start()
    yield fake
    fake.stop()


@pytest.mark.parametrize(("secret", "ok"), [("planted-genesys-secret", True), ("wrong", False)])
def test_genesys_token_check(settings, fake_genesys, secret, ok):
    overrides = {**fake_genesys.settings_overrides(), "genesys_client_secret": secret}
    settings = settings.model_copy(update={**overrides, "genesys_max_retries": 0})
    app = create_app(type(settings)(**settings.model_dump()))
    try:
        resp = app.test_client().get("/health/ready")
        assert (resp.status_code == 200) is ok
        check = resp.get_json()["checks"]["genesys"]
        assert check["ok"] is ok
        text_ = resp.get_data(as_text=True)
        assert "planted-genesys-secret" not in text_
        assert fake_genesys.url not in text_
    finally:
        get_db(app).dispose()


def _env(url, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QM_", "DATABASE_URL"))}
    env.update(
        {
            "QM_DATABASE_URL": url,
            "QM_INSTANCE_PATH": str(tmp_path / "instance"),
            "QM_CLIENT_ID": "c",
            "QM_CLIENT_SECRET": "s",
            "QM_SECRET_KEY": "k",
            "PYTHONPATH": os.getcwd(),
        }
    )
    return env


def test_create_app_from_the_environment_refuses_an_unmigrated_database(
    empty_url, tmp_path, monkeypatch, capsys
):
    for key, value in _env(empty_url, tmp_path).items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SystemExit) as exited:
        create_app()
    assert exited.value.code == 4  # gunicorn's "App failed to load": no respawn loop
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "qmloop: refusing to start: the database has no QM Loop schema: run `qmloop db upgrade`"
    ]


def test_create_app_from_the_environment_starts_when_migrated(database_url, tmp_path, monkeypatch):
    for key, value in _env(database_url, tmp_path).items():
        monkeypatch.setenv(key, value)
    app = create_app()
    get_db(app).dispose()


def test_create_app_starts_while_the_database_is_down(tmp_path, monkeypatch, caplog):
    url = "postgresql+psycopg://postgres@127.0.0.1:9/none"  # nothing listens on port 9
    for key, value in _env(url, tmp_path).items():
        monkeypatch.setenv(key, value)
    app = create_app()
    assert "database unreachable at start-up" in caplog.text
    assert app.test_client().get("/health/ready").status_code == 503


@pytest.mark.sqlite_only
def test_gunicorn_and_worker_refuse_to_start_with_one_line(empty_url, tmp_path):
    env = _env(empty_url, tmp_path)
    bindir = os.path.dirname(sys.executable)
    commands = [
        [f"{bindir}/gunicorn", "--bind", "127.0.0.1:0", "service:create_app()"],
        [f"{bindir}/qmloop", "worker"],
    ]
    for command in commands:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode != 0, command
        assert "Traceback" not in done.stderr
        line = (
            "qmloop: refusing to start: the database has no QM Loop schema: run `qmloop db upgrade`"
        )
        lines = [text for text in done.stderr.splitlines() if "qmloop db upgrade" in text]
        assert lines == [line], done.stderr
        if command[-1] == "worker":
            assert done.stderr.strip() == line  # nothing else at all
