"""Run Alembic migrations from code (``qmloop db upgrade``, first start, tests)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from service.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, target: str = "heads") -> None:
    """Bring the database to the newest schema (every domain branch)."""
    cfg = alembic_config(str(engine.url.render_as_string(hide_password=False)))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Migrations may rewrite big tables: no statement limit, and a longer lock wait
            # than requests get (the release step should wait out a busy moment, not fail).
            conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
            conn.exec_driver_sql("SET LOCAL lock_timeout = '60s'")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)


UPGRADE_HINT = "run `qmloop db upgrade`"
# pyrate-limiter makes its budget tables on first use (service/limits/budget.py): not migrated.
UNMIGRATED_TABLE_PREFIX = "ratelimit_"


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic ``include_object`` hook: leave out the rate limiter's own tables and indexes, which
    exist in the database but in no model, so autogenerate never proposes dropping them."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    table_name = str(getattr(table, "name", name) or "")
    return not (reflected and compare_to is None and table_name.startswith(UNMIGRATED_TABLE_PREFIX))


VERSION_TABLE = "alembic_version"  # Alembic's default, which env.py keeps


@dataclass(frozen=True)
class SchemaStatus:
    """Where the database's schema stands against the code's migrations."""

    current: frozenset[str]
    heads: frozenset[str]
    applied: frozenset[str] = frozenset()  # current and all it implies (down and depends_on)
    known: frozenset[str] = frozenset()  # every revision this code ships

    @property
    def at_head(self) -> bool:
        """True when every migration branch is applied and nothing unknown is.

        Alembic drops a branch's head from its version table once a revision on another branch
        ``depends_on`` it, so "applied" follows dependencies, not the table alone.
        """
        return bool(self.current) and self.heads <= self.applied and self.current <= self.known

    def describe(self) -> str:
        """One line for an operator: what is wrong and what to run."""
        if self.at_head:
            return "the database schema is up to date"
        if not self.current:
            return f"the database has no QM Loop schema: {UPGRADE_HINT}"
        if not self.current <= self.known:
            return "the database schema is newer than this code: deploy the matching version"
        return f"the database schema is behind this code: {UPGRADE_HINT}"


class SchemaNotCurrent(RuntimeError):
    """The database's schema is not at the code's heads; ``str()`` is the one-line fix."""


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


@lru_cache(maxsize=1)
def code_heads() -> frozenset[str]:
    """The head revisions of the migrations shipped with this code (read once per process)."""
    return frozenset(_script().get_heads())


def _status(current: frozenset[str]) -> SchemaStatus:
    script = _script()
    known = frozenset(rev.revision for rev in script.walk_revisions())
    mine = tuple(current & known)
    applied = frozenset(r.revision for r in script.revision_map.iterate_revisions(mine, "base"))
    return SchemaStatus(current, code_heads(), applied | current, known)


def schema_status(engine: Engine) -> SchemaStatus:
    """Compare the revisions recorded in the database with the code's heads.

    Raises SQLAlchemy errors when the database cannot be reached.
    """
    with engine.connect() as conn:
        # Read Alembic's table directly: a MigrationContext logs at INFO on every probe.
        if not inspect(conn).has_table(VERSION_TABLE):
            return _status(frozenset())
        current = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
        return _status(frozenset(current))


def require_head(engine: Engine) -> None:
    """Raise ``SchemaNotCurrent`` unless the schema is at head (web and worker start-up)."""
    status = schema_status(engine)
    if not status.at_head:
        raise SchemaNotCurrent(status.describe())


def revision(
    settings: Settings,
    message: str,
    head: str = "head",
    branch: str | None = None,
    autogenerate: bool = True,
) -> None:
    """Write a new migration by comparing the models with the database."""
    cfg = alembic_config(settings.database_url)
    command.revision(
        cfg, message=message, autogenerate=autogenerate, head=head, branch_label=branch
    )
