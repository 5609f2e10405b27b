"""Database engine, sessions and the declarative base.

One owner for transactions: services may flush; the request boundary (``service.api``) or the
job runner commits or rolls back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import JSON, DateTime, MetaData, String, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from service.settings import Settings

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


def _sqlite_pragmas(engine: Engine) -> None:
    """WAL, a busy timeout and BEGIN IMMEDIATE, so concurrent writers queue instead of failing."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(settings: Settings) -> Engine:
    """Create the engine for the configured database."""
    url = settings.database_url
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _sqlite_pragmas(engine)
        return engine
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_pre_ping=True,
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


def get_db(app: Flask | None = None) -> Database:
    """The ``Database`` of the given or current app."""
    target = app or current_app
    db: Database = target.extensions["qm_db"]
    return db


def get_session() -> Session:
    """The request's session; ``service.api`` commits it before the answer goes out."""
    if "qm_session" not in g:
        g.qm_session = get_db().sessionmaker()
    session: Session = g.qm_session
    return session


def init_db(app: Flask, settings: Settings) -> Database:
    """Attach a ``Database`` to the app; close each request's session at teardown."""
    db = Database(settings)
    app.extensions["qm_db"] = db

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
