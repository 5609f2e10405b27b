"""Request budgets shared by every process through the service's database (pyrate-limiter).

A budget is a sliding-window log kept by ``pyrate-limiter`` in a table of its own: its
``PostgresBucket`` on PostgreSQL (over our SQLAlchemy engine's psycopg 3 connections) and its
``SQLiteBucket`` with a file lock in a companion file beside a SQLite database (see
``store.py``), so every web and worker process that uses the same database and the same
budget name draws from one budget. Without a shared database
(an in-memory SQLite, a client built without an app) the budget lives in the process.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from pyrate_limiter import (
    AbstractBucket,
    InMemoryBucket,
    Limiter,
    PostgresBucket,
    Rate,
    RateItem,
    SQLiteBucket,
    WallClock,
)
from sqlalchemy.engine import Engine

from service.limits.store import companion_path, sqlite_file

log = logging.getLogger(__name__)

# Added to the bucket's wait before trying again (its wait is to the millisecond).
_RETRY_PAD_SECONDS = 0.005


class EnginePool:
    """What ``PostgresBucket`` needs from a ``psycopg_pool.ConnectionPool``, over our engine.

    ``connection()`` lends a psycopg 3 connection from the SQLAlchemy pool and, like
    psycopg_pool, commits on success and rolls back on error. Closing it leaves the engine
    alone (the app owns it).

    With ``lock_key``, each transaction first waits for that advisory lock: the bucket takes
    its table with ``LOCK ... NOWAIT`` and reports a busy table as a full window (up to a
    whole window's wait), so bucket transactions of all processes queue here instead.
    """

    closed = False

    def __init__(self, engine: Engine, lock_key: int | None = None) -> None:
        self.engine = engine
        self.lock_key = lock_key

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """A psycopg connection in its own transaction."""
        from psycopg.pq import TransactionStatus

        raw = self.engine.raw_connection()
        conn: Any = raw.driver_connection
        try:
            # Budget rows live a minute: losing the last few on a server crash costs nothing,
            # so the commit does not wait for the WAL flush.
            conn.execute("SET LOCAL synchronous_commit TO OFF")
            if self.lock_key is not None:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (self.lock_key,))
            yield conn
            if conn.info.transaction_status == TransactionStatus.INERROR:
                conn.rollback()  # e.g. the bucket's LOCK ... NOWAIT found the table busy
            else:
                conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            raw.close()

    def close(self) -> None:
        """Nothing to do: the engine outlives the bucket."""


class WallClockPostgresBucket(PostgresBucket):
    """pyrate-limiter's PostgreSQL bucket, stamped by this host's wall clock.

    The stock bucket asks the server for the time before every request (a round trip and,
    here, a turn at the lock); the hosts of one deployment keep NTP time, and the budget's
    61-second window leaves a second of margin for what skew remains.
    """

    _wall = WallClock()

    def now(self) -> int:
        """Epoch milliseconds."""
        return self._wall.now()

    def leak(self, current_timestamp: int | None = None) -> int:
        """Remove expired entries; returns how many. A failed leak (the database unreachable
        or gone) is logged and skipped: the leak thread tries again at its next interval
        instead of dying, which would leave the table growing after the outage."""
        try:
            return cast(int, super().leak(current_timestamp))
        except Exception as exc:  # psycopg's OperationalError and the like
            log.warning("rate budget %s: leak failed (%s)", self.table, type(exc).__name__)
            return 0


def make_bucket(engine: Engine | None, table: str, rates: list[Rate]) -> AbstractBucket:
    """The bucket for ``engine``'s database: PostgreSQL, a SQLite file's companion, or memory."""
    if engine is not None and engine.dialect.name == "postgresql":
        key = zlib.crc32(f"qmloop budget {table}".encode()) & 0x7FFFFFFF
        return WallClockPostgresBucket(EnginePool(engine, key), table, rates)
    path = sqlite_file(engine)
    if path is not None:  # the companion file: see service/limits/store.py
        return SQLiteBucket.init_from_file(
            rates, table=f"ratelimit_{table}", db_path=companion_path(path), use_file_lock=True
        )
    return InMemoryBucket(rates)


class SharedBudget:
    """A sliding-window budget of ``rates`` (``(count, window_ms)`` pairs) named ``name``.

    Every ``SharedBudget`` with the same name on the same database shares the budget. The
    bucket (and its table) is made on first use, so building one touches no database.
    ``acquire`` blocks until the request fits and returns the seconds it waited.
    """

    def __init__(
        self,
        name: str,
        rates: list[tuple[int, int]],
        engine: Engine | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.rates = [Rate(limit, interval) for limit, interval in rates]
        self.engine = engine
        self.max_weight = min(limit for limit, _ in rates)
        self._clock = clock
        self._sleep = sleep
        self._limiter: Limiter | None = None
        self._lock = threading.Lock()
        self._put_lock = threading.Lock()
        self._paused_until = 0.0
        self.waited_seconds = 0.0

    @property
    def shared(self) -> bool:
        """True when other processes on the same database share this budget."""
        return not isinstance(self._get_limiter().buckets()[0], InMemoryBucket)

    def _get_limiter(self) -> Limiter:
        with self._lock:
            if self._limiter is None:
                bucket = make_bucket(self.engine, self.name, self.rates)
                self._limiter = Limiter(bucket, buffer_ms=10)
            return self._limiter

    def pause(self, seconds: float) -> None:
        """Hold this process's callers for ``seconds`` (the upstream said 429)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def acquire(self, weight: int = 1) -> float:
        """Block until ``weight`` units fit in the budget; returns the seconds waited.

        A weight above the smallest window's limit is charged as that limit (a request
        larger than the budget still runs, alone in its window).
        """
        started = self._clock()
        held = self._paused_until - started
        if held > 0:
            self._sleep(held)
        self._take(max(1, min(weight, self.max_weight)))
        waited = self._clock() - started
        self.waited_seconds += waited
        return waited

    def _take(self, weight: int) -> None:
        """Put an item stamped now; on a full window sleep what the bucket says and try again.

        Each try is stamped with a fresh clock reading (the limiter's own blocking loop adds
        the slept time to the first stamp, which drifts behind real time under contention
        and lets more than the limit through in a real window).
        """
        limiter = self._get_limiter()
        bucket = limiter.buckets()[0]
        while True:
            with self._put_lock:  # the bucket keeps the last verdict: put and wait together
                item = cast(RateItem, limiter.bucket_factory.wrap_item(self.name, weight))
                if bucket.put(item):
                    return
                wait_ms = cast(int, bucket.waiting(item))
            self._sleep(max(wait_ms, 0) / 1000 + _RETRY_PAD_SECONDS)

    def close(self) -> None:
        """Stop the bucket's background leak thread (the tables stay)."""
        with self._lock:
            if self._limiter is not None:
                self._limiter.close()
                self._limiter = None
