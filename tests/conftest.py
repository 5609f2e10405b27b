"""Shared fixtures: a fresh app per test on every configured database backend.

Backends: SQLite always; PostgreSQL when ``QM_TEST_POSTGRES_URL`` (default: the local server)
answers. With ``QM_REQUIRE_POSTGRES=1`` (CI) an unreachable PostgreSQL fails instead of skipping.
Tests that need a database take the ``app`` fixture; tests marked ``sqlite_only`` skip PostgreSQL,
``postgresql_only`` SQLite.
"""

from __future__ import annotations

import base64
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from service import create_app, load_models
from service.db import Base, get_db
from service.migrate import upgrade
from service.settings import Settings

pytest.register_assert_rewrite("tests.fixtures_genesys")  # imported here before pytest_plugins
from tests.fixtures_genesys import close_app  # noqa: E402

PG_URL = os.environ.get("QM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CLIENT_ID = "genesys-integration"
CLIENT_SECRET = "s3cret-for-tests-only"

# The fake Genesys fixtures (fake_server, fake) and helpers, shared by every folder.
pytest_plugins = ("tests.fixtures_genesys",)


# Marker -> the backend whose variant of the test it deselects.
BACKEND_ONLY = {"sqlite_only": "postgresql", "postgresql_only": "sqlite"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: skip on PostgreSQL")
    config.addinivalue_line("markers", "postgresql_only: deselect on SQLite")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the variant a ``sqlite_only`` or ``postgresql_only`` marker rules out (not a
    skip)."""
    keep, drop = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        backend = params.params.get("backend") if params is not None else None
        ruled_out = any(
            backend == other and item.get_closest_marker(marker)
            for marker, other in BACKEND_ONLY.items()
        )
        (drop if ruled_out else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _pg_reachable() -> bool:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    settings = Settings(database_url=f"sqlite:///{path}", client_secret="x")
    app = create_app(settings)
    upgrade(get_db(app).engine)
    get_db(app).dispose()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test run, migrated once."""
    if not _pg_reachable():
        if os.environ.get("QM_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but not reachable at {PG_URL}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    name = f"qmloop_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(url: str) -> None:
    load_models()
    engine = create_engine(url)
    tables = [t.name for t in Base.metadata.sorted_tables]
    with engine.begin() as conn:
        # The shared rate budgets' tables (made on first use, no model): empty budgets too.
        found = text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " AND tablename LIKE 'ratelimit\\_%'"
        )
        tables += conn.execute(found).scalars()
        names = ", ".join(f'"{name}"' for name in tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend of this test."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database for this test."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "qmloop.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    _truncate_all(url)
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for a test app: our credential, no Genesys, fast job retries."""
    return Settings(
        database_url=database_url,
        instance_path=tmp_path / "instance",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        secret_key="test-signing-key",
        job_backoff_seconds="0,0,0",
        log_json=False,
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """A fresh app per test."""
    application = create_app(settings)
    application.config["TESTING"] = True
    yield application
    close_app(application)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client without credentials."""
    return app.test_client()


def basic_header(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict[str, str]:
    """HTTP Basic credentials as Genesys's Basic Auth credential sends them."""
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@pytest.fixture
def auth() -> dict[str, str]:
    """Headers of an authenticated integration call."""
    return basic_header()


@pytest.fixture
def session(app: Flask) -> Iterator[object]:
    """A session on the test app's database, committed by the test when it wants."""
    db = get_db(app)
    s = db.sessionmaker()
    yield s
    s.close()
