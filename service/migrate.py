"""Run Alembic migrations from code (``qmloop db upgrade``, first start, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
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
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)


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
