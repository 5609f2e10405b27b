"""Database outages and lock waits answer 503 with Retry-After, in bounded time, and recover."""

from __future__ import annotations

import sqlite3
import threading
import time

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from service import create_app
from service.auth.service import issue_token
from service.db import classify_db_error, get_db
from service.jobs import rules
from service.jobs.registry import HANDLERS, job_handler
from service.jobs.service import enqueue
from service.jobs.worker import run_worker
from service.settings import Settings
from tests.conftest import basic_header

from .dbproxy import TcpProxy

ASSIGN = {"agentId": "a1", "evaluationId": "e1", "sectionId": "s1", "percentage": 40}


def _wrap(orig: Exception) -> sa_exc.DBAPIError:
    return sa_exc.OperationalError("SELECT 1", {}, orig)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (_wrap(psycopg.OperationalError("connection refused")), "db_unavailable"),
        (_wrap(psycopg.errors.AdminShutdown("terminating connection")), "db_unavailable"),
        (_wrap(psycopg.errors.TooManyConnections("too many clients")), "db_unavailable"),
        (_wrap(psycopg.errors.LockNotAvailable("lock timeout")), "db_timeout"),
        (_wrap(psycopg.errors.QueryCanceled("statement timeout")), "db_timeout"),
        (
            sa_exc.ProgrammingError("x", {}, psycopg.errors.UndefinedTable("no table")),
            "db_not_migrated",
        ),
        (_wrap(sqlite3.OperationalError("database is locked")), "db_timeout"),
        (_wrap(sqlite3.OperationalError("unable to open database file")), "db_unavailable"),
        (_wrap(sqlite3.OperationalError("no such table: jobs")), "db_not_migrated"),
        (sa_exc.TimeoutError("QueuePool limit reached"), "db_timeout"),
        # Real bugs stay 500s: a constraint, bad SQL, an unrelated exception.
        (sa_exc.IntegrityError("x", {}, psycopg.errors.UniqueViolation("dup")), None),
        (sa_exc.ProgrammingError("x", {}, psycopg.errors.SyntaxError("syntax")), None),
        (_wrap(sqlite3.OperationalError('near "SELEC": syntax error')), None),
        (RuntimeError("not a database error"), None),
    ],
)
def test_classify_db_error(error, code):
    assert classify_db_error(error) == code


@pytest.mark.parametrize(
    ("failures", "expected"),
    [(0, 1.0), (1, 1.0), (2, 2.0), (3, 4.0), (6, 32.0), (7, 60.0), (8, 60.0), (10_000, 60.0)],
)
def test_outage_backoff_doubles_and_caps(failures, expected):
    assert rules.outage_backoff(failures, 1.0, 60.0) == expected


def _admin(settings):
    return {"Authorization": f"Bearer {issue_token(settings, 'ops', 'admin', 'ops-1')}"}


def _route_calls(app):
    """Every URL rule of the app, with placeholder path values."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", "x").replace(f"<int:{arg}>", "1")
            path = path.replace(f"<path:{arg}>", "x")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield method, path


def _assert_no_500_and_503s(app, settings, client):
    """With the database gone: nothing answers 500; the database routes answer 503."""
    statuses = {}
    for method, path in _route_calls(app):
        headers = basic_header() if path.startswith(("/data-actions", "/oauth")) else None
        resp = client.open(path, method=method, json={}, headers=headers or _admin(settings))
        statuses[(method, path)] = resp.status_code
        assert resp.status_code != 500, (method, path, resp.get_json())
        if resp.status_code == 503 and resp.mimetype == "application/problem+json":
            body = resp.get_json()
            if body["code"].startswith("db_"):
                assert body["code"] == "db_unavailable", (method, path, body)
                assert resp.headers["Retry-After"] == str(settings.db_retry_after_seconds)
    assert sum(1 for s in statuses.values() if s == 503) >= 10, statuses
    return statuses


@pytest.fixture
def pg_proxy(request):
    url = request.getfixturevalue("pg_database")
    target = make_url(url)
    proxy = TcpProxy((target.host or "127.0.0.1", target.port or 5432)).start()
    yield proxy, target.set(port=proxy.port).render_as_string(hide_password=False)
    proxy.stop()


@pytest.mark.postgresql_only
def test_postgres_outage_answers_503_and_recovers_without_restart(pg_proxy, settings):
    proxy, url = pg_proxy
    settings = settings.model_copy(update={"database_url": url, "db_connect_timeout_seconds": 2})
    app = create_app(settings)
    client = app.test_client()
    try:
        assert client.get("/api/v1/jobs", headers=_admin(settings)).status_code == 200
        assert client.get("/health/ready").status_code == 200

        proxy.stop()
        started = time.monotonic()
        resp = client.get("/api/v1/jobs", headers=_admin(settings))
        assert resp.status_code == 503
        assert resp.mimetype == "application/problem+json"
        assert resp.get_json()["code"] == "db_unavailable"
        assert resp.headers["Retry-After"] == "5"
        assert time.monotonic() - started < 5
        assert client.get("/health").get_json() == {"status": "ok"}  # liveness stays up
        ready = client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.get_json()["checks"]["database"]["ok"] is False
        _assert_no_500_and_503s(app, settings, client)

        proxy.start()
        assert client.get("/api/v1/jobs", headers=_admin(settings)).status_code == 200
        assert client.get("/health/ready").status_code == 200
    finally:
        get_db(app).dispose()


@pytest.mark.postgresql_only
def test_terminated_backends_are_replaced_without_an_error(app, client, settings):
    assert client.get("/api/v1/jobs", headers=_admin(settings)).status_code == 200
    admin = create_engine(settings.database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    admin.dispose()
    assert killed >= 1
    assert client.get("/api/v1/jobs", headers=_admin(settings)).status_code == 200


@pytest.mark.sqlite_only
def test_sqlite_unopenable_database_answers_503(settings, tmp_path):
    settings = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path}/gone/qm.db"})
    app = create_app(settings)  # makes the directory
    (tmp_path / "gone").rmdir()
    (tmp_path / "gone").write_text("a file where the database directory was")
    client = app.test_client()
    try:
        resp = client.get("/api/v1/jobs", headers=_admin(settings))
        assert resp.status_code == 503, resp.get_json()
        assert resp.get_json()["code"] == "db_unavailable"
        assert resp.headers["Retry-After"] == "5"
        _assert_no_500_and_503s(app, settings, client)
    finally:
        get_db(app).dispose()


@pytest.mark.postgresql_only
def test_postgres_connections_carry_the_timeouts(app):
    with get_db(app).engine.connect() as conn:
        assert conn.execute(text("SHOW lock_timeout")).scalar() == "2s"
        assert conn.execute(text("SHOW statement_timeout")).scalar() == "5s"


@pytest.mark.postgresql_only
def test_postgres_statement_timeout_is_a_503_code(settings):
    app = create_app(settings.model_copy(update={"db_statement_timeout_ms": 200}))
    try:
        started = time.monotonic()
        with (
            pytest.raises(sa_exc.OperationalError) as caught,
            get_db(app).engine.connect() as conn,
        ):
            conn.execute(text("SELECT pg_sleep(5)"))
        assert time.monotonic() - started < 2
        assert classify_db_error(caught.value) == "db_timeout"
    finally:
        get_db(app).dispose()


def _hold_agent_lock(backend, url):
    """Another connection locks agent a1's row (PostgreSQL) or the whole database (SQLite)."""
    if backend == "postgresql":
        conn = psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
        conn.execute("SELECT 1 FROM coaching_agents WHERE agent_id = 'a1' FOR UPDATE")
        return conn
    conn = sqlite3.connect(url.split("sqlite:///", 1)[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def test_assign_coaching_behind_a_lock_answers_503_in_bounded_time(settings, backend):
    settings = settings.model_copy(update={"db_lock_timeout_ms": 1000, "db_busy_timeout_ms": 1000})
    app = create_app(settings)
    client = app.test_client()
    first = {**ASSIGN, "evaluationId": "e0", "sectionId": "s0"}
    try:
        resp = client.post("/data-actions/assign-coaching", json=first, headers=basic_header())
        assert resp.get_json()["decision"] == "assigned", resp.get_json()
        holder = _hold_agent_lock(backend, settings.database_url)
        try:
            started = time.monotonic()
            resp = client.post("/data-actions/assign-coaching", json=ASSIGN, headers=basic_header())
            elapsed = time.monotonic() - started
        finally:
            holder.rollback()
            holder.close()
        assert resp.status_code == 503, resp.get_json()
        assert resp.get_json()["code"] == "db_timeout"
        assert resp.headers["Retry-After"] == "5"
        assert 0.9 < elapsed < 3.0  # waited the lock timeout, not the 8 s action budget
        resp = client.post("/data-actions/assign-coaching", json=ASSIGN, headers=basic_header())
        assert resp.get_json()["decision"] == "assigned"  # the retry Genesys makes succeeds
    finally:
        get_db(app).dispose()


def test_default_waits_stay_below_the_data_action_budget():
    settings = Settings()
    budget_ms = settings.coaching_genesys_budget_seconds * 1000
    assert settings.db_lock_timeout_ms < budget_ms
    assert settings.db_statement_timeout_ms < budget_ms
    assert settings.db_busy_timeout_ms < budget_ms
    assert settings.db_pool_timeout_seconds * 1000 < budget_ms


@pytest.mark.postgresql_only
def test_worker_backs_off_during_an_outage_and_recovers(pg_proxy, settings, caplog):
    proxy, url = pg_proxy
    settings = settings.model_copy(
        update={
            "database_url": url,
            "worker_poll_seconds": 0.02,
            "worker_max_backoff_seconds": 0.16,
        }
    )
    app = create_app(settings)
    done = threading.Event()

    @job_handler("test.outage")
    def _handler(ctx):
        done.set()
        return None

    proxy.stop()
    stop = threading.Event()
    caplog.set_level("INFO", logger="service.jobs.worker")
    worker = threading.Thread(target=run_worker, args=(app, settings, stop), daemon=True)
    try:
        worker.start()
        time.sleep(1.2)
        failures = [r for r in caplog.records if r.getMessage().startswith("database failure")]
        waits = [r.next_try_s for r in failures]
        # 1.2 s at a 0.02 s poll would be ~60 lines; doubling to the 0.16 s cap gives ~10.
        assert 4 <= len(failures) <= 14, waits
        assert waits[:5] == [0.02, 0.04, 0.08, 0.16, 0.16]
        assert max(waits) == 0.16
        assert all(r.exc_info is None for r in failures)  # one line each, no traceback

        proxy.start()
        with get_db(app).session_scope() as session:
            enqueue(session, "test.outage", {})
        assert done.wait(5), "the worker did not recover"
        deadline = time.monotonic() + 2
        while not any("recovered" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "no recovery line"
            time.sleep(0.02)
    finally:
        stop.set()
        worker.join(timeout=5)
        HANDLERS.pop("test.outage", None)
        get_db(app).dispose()
