"""A shared budget's leak survives a database that went away (the leak thread must not die)."""

from __future__ import annotations

import logging

from pyrate_limiter import Rate
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from service.limits.budget import EnginePool, make_bucket


def test_a_failed_leak_is_logged_and_skipped(pg_database, caplog):
    engine = create_engine(pg_database)
    bucket = make_bucket(engine, "leak_test", [Rate(5, 60_000)])
    assert bucket.leak(bucket.now()) == 0  # works while the database is there
    gone = make_url(pg_database).set(database="qmloop_no_such_database")
    bucket.pool = EnginePool(create_engine(gone))  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING, logger="service.limits.budget"):
        assert bucket.leak(bucket.now()) == 0
    assert "leak failed (OperationalError)" in caplog.text
    engine.dispose()
