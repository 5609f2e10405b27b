"""Database engine, sessions and the declarative base.

One owner for transactions: services may flush; the request boundary (``service.api``) or the
job runner commits or rolls back.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, DateTime, MetaData, String, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from service.errors import ServiceError, problem
from service.settings import Settings

if TYPE_CHECKING:  # Flask loads on first use: `qmloop export` runs without it (smaller)
    from flask import Flask, Response

log = logging.getLogger(__name__)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def new_id() -> str:
    """A new random UUID string for primary keys."""
    return str(uuid.uuid4())


def id_column() -> Any:
    """The standard string UUID primary key column."""
    return mapped_column(String(36), primary_key=True, default=new_id)


def _sqlite_pragmas(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, a bounded busy timeout and BEGIN IMMEDIATE, so writers queue instead of failing."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def postgres_options(settings: Settings) -> str:
    """libpq ``options``: the lock and statement timeouts every session starts with.

    Values in milliseconds from ``QM_DB_LOCK_TIMEOUT_MS`` / ``QM_DB_STATEMENT_TIMEOUT_MS`` (0 = no
    limit); both sit below the data actions' 8 s budget so a blocked request answers 503 in time.
    """
    return (
        f"-c lock_timeout={settings.db_lock_timeout_ms} "
        f"-c statement_timeout={settings.db_statement_timeout_ms}"
    )


class DatabaseUrlError(ValueError):
    """``QM_DATABASE_URL`` cannot be used; the message names it with its password masked."""


def make_engine(settings: Settings) -> Engine:
    """Create the engine for the configured database, every wait bounded by the settings.

    Raises ``DatabaseUrlError`` (naming the URL with its password masked) for an unusable URL.
    """
    try:
        return _make_engine(settings)
    except sa_exc.ArgumentError:
        from service.logs import redact_url

        # SQLAlchemy's message quotes the whole URL, password included.
        raise DatabaseUrlError(
            f"QM_DATABASE_URL: not a usable database URL: {redact_url(settings.database_url)}"
        ) from None


def _make_engine(settings: Settings) -> Engine:
    url = settings.database_url
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        busy_ms = settings.db_busy_timeout_ms
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": busy_ms / 1000}
        )
        _sqlite_pragmas(engine, busy_ms)
        return engine
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_timeout=settings.db_pool_timeout_seconds,
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": settings.db_connect_timeout_seconds,
            "options": postgres_options(settings),
        },
    )


def insert_or_ignore(session: Session, model: type[Any], values: dict[str, Any]) -> Any | None:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING: the new row, or None if a unique key exists.

    One round trip instead of a savepoint, an insert and a release; any unique constraint or
    unique index (partial ones included) counts as a conflict. PostgreSQL and SQLite only.
    """
    dialect = session.get_bind().dialect.name
    insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert_fn(model).values(**values).on_conflict_do_nothing().returning(model)
    return session.scalars(stmt).first()


class Database:
    """The engine and session factory of one app."""

    def __init__(self, settings: Settings) -> None:
        self.engine = make_engine(settings)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


# SQLSTATEs (PostgreSQL) and SQLite messages that mean "try again shortly", by failure kind.
_PG_UNAVAILABLE = {"57P01", "57P02", "57P03", "53300", "53400"}  # shutdown, too many connections
_PG_TIMEOUT = {"55P03", "57014"}  # lock_not_available, query_canceled (statement_timeout)
_PG_NOT_MIGRATED = {"42P01", "42703"}  # undefined_table, undefined_column
_SQLITE_TIMEOUT = ("database is locked", "database table is locked", "database is busy")
_SQLITE_UNAVAILABLE = ("unable to open database", "disk i/o error", "readonly database")
_SQLITE_NOT_MIGRATED = ("no such table", "no such column")

DB_FAILURES = {
    "db_unavailable": "The database is unreachable; retry shortly.",
    "db_timeout": "The database did not answer in time (a lock or a slow statement); "
    "retry shortly.",
    "db_not_migrated": "The database schema is not up to date; the operator must run "
    "`qmloop db upgrade`.",
}


def _classify_sqlstate(sqlstate: str) -> str | None:
    if sqlstate.startswith("08") or sqlstate in _PG_UNAVAILABLE:
        return "db_unavailable"
    if sqlstate in _PG_TIMEOUT:
        return "db_timeout"
    if sqlstate in _PG_NOT_MIGRATED:
        return "db_not_migrated"
    return None


def _classify_message(message: str) -> str | None:
    text = message.lower()
    for code, needles in (
        ("db_timeout", _SQLITE_TIMEOUT),
        ("db_unavailable", _SQLITE_UNAVAILABLE),
        ("db_not_migrated", _SQLITE_NOT_MIGRATED),
    ):
        if any(needle in text for needle in needles):
            return code
    return None


def _is_psycopg_operational(exc: sa_exc.DBAPIError) -> bool:
    orig = exc.orig
    return isinstance(exc, sa_exc.OperationalError) and type(orig).__module__.startswith("psycopg")


def classify_db_error(exc: BaseException) -> str | None:
    """The 503 code for a database failure worth retrying, or None for a real bug.

    ``db_unavailable`` (no connection: refused, dropped, server shutting down), ``db_timeout``
    (pool wait, ``lock_timeout``, ``statement_timeout``, SQLite busy timeout) or
    ``db_not_migrated`` (a table or column the code expects is missing). Codes are PostgreSQL
    SQLSTATEs (appendix A of its manual) and SQLite's error messages.
    """
    if isinstance(exc, sa_exc.TimeoutError):
        return "db_timeout"
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    sqlstate = getattr(exc.orig, "sqlstate", None)
    code = _classify_sqlstate(sqlstate) if sqlstate else _classify_message(str(exc.orig))
    if code is None and (exc.connection_invalidated or isinstance(exc, sa_exc.InterfaceError)):
        return "db_unavailable"
    if code is None and sqlstate is None and _is_psycopg_operational(exc):
        return "db_unavailable"  # no server answered, so there is no SQLSTATE
    return code


class DatabaseUnavailable(ServiceError):
    """The database cannot serve this request now (503 with ``Retry-After``)."""

    status = 503
    code = "db_unavailable"
    title = "Database unavailable"


def db_unavailable(code: str, retry_after: int) -> DatabaseUnavailable:
    """The ``DatabaseUnavailable`` error for a ``classify_db_error`` code."""
    return DatabaseUnavailable(
        DB_FAILURES[code], code=code, headers={"Retry-After": str(retry_after)}
    )


def _register_db_errors(app: Flask, settings: Settings) -> None:
    """Answer retryable database failures with 503 problem+json instead of 500."""

    @app.errorhandler(sa_exc.SQLAlchemyError)
    def _db_error(exc: sa_exc.SQLAlchemyError) -> Response:
        code = classify_db_error(exc)
        if code is None:
            log.exception("unhandled database error")
            return problem(500, "internal_error", "Internal error", "An unexpected error occurred.")
        # One line, no traceback and no SQL: an outage would otherwise flood the log.
        log.warning("database failure %s: %s", code, type(getattr(exc, "orig", exc)).__name__)
        err = db_unavailable(code, settings.db_retry_after_seconds)
        return problem(err.status, err.code, err.title, err.detail, headers=err.headers)


def get_db(app: Flask | None = None) -> Database:
    """The ``Database`` of the given or current app."""
    from flask import current_app

    target = app or current_app
    db: Database = target.extensions["qm_db"]
    return db


def get_session() -> Session:
    """The request's session; ``service.api`` commits it before the answer goes out."""
    from flask import g

    if "qm_session" not in g:
        g.qm_session = get_db().sessionmaker()
    session: Session = g.qm_session
    return session


def init_db(app: Flask, settings: Settings) -> Database:
    """Attach a ``Database`` to the app; close each request's session at teardown."""
    from flask import g

    db = Database(settings)
    app.extensions["qm_db"] = db
    _register_db_errors(app, settings)

    @app.teardown_request
    def _finish(exc: BaseException | None) -> None:
        # Views commit explicitly before answering; whatever is still open here is
        # abandoned work, and closing the session rolls it back.
        session: Session | None = g.pop("qm_session", None)
        if session is not None:
            session.close()

    return db


__all__ = [
    "Base",
    "Database",
    "DatabaseUnavailable",
    "classify_db_error",
    "Session",
    "String",
    "get_db",
    "get_session",
    "id_column",
    "init_db",
    "insert_or_ignore",
    "new_id",
    "utcnow",
]
