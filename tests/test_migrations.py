"""The Alembic migrations produce exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from service.db import Base, get_db
from service.migrate import include_object


def test_migrations_match_models(app):
    engine = get_db(app).engine
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"include_object": include_object}),
            Base.metadata,
        )
    assert diff == []
