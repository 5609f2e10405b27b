"""Where the shared limits live: the service's database, or a companion file beside SQLite.

On PostgreSQL the budget and the token are tables of the service's own database. On SQLite the
queue holds the database's single write lock for a whole job (``BEGIN IMMEDIATE``), so a
budget or token write from inside a job would wait for its own transaction; they go to a
companion SQLite file next to the database (``<database>-limits``), shared the same way by
every process on the machine.
"""

from __future__ import annotations

import threading

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

_COMPANIONS: dict[str, Engine] = {}
_LOCK = threading.Lock()


def sqlite_file(engine: Engine | None) -> str | None:
    """The file of a SQLite engine, or None (another database, or SQLite in memory)."""
    if engine is None or engine.dialect.name != "sqlite":
        return None
    path = engine.url.database
    return path if path and path != ":memory:" else None


def companion_path(path: str) -> str:
    """The companion file of a SQLite database file."""
    return f"{path}-limits"


def limits_engine(engine: Engine) -> Engine:
    """The engine the shared limits use: ``engine`` itself, or its SQLite companion's.

    The companion's tables are created on first use (one per process and file).
    """
    path = sqlite_file(engine)
    if path is None:
        return engine
    target = companion_path(path)
    with _LOCK:
        found = _COMPANIONS.get(target)
        if found is None:
            found = create_engine(
                f"sqlite:///{target}", connect_args={"check_same_thread": False, "timeout": 30}
            )
            event.listen(found, "connect", _pragmas)
            from service.limits.models import SharedToken

            SharedToken.metadata.create_all(found, tables=[SharedToken.__table__], checkfirst=True)  # type: ignore[list-item]
            _COMPANIONS[target] = found
        return found


def _pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
