"""Per-client request budget of the BI read API and export downloads, shared by every process.

Each client (the credential's or person's subject) has its own sliding-window bucket, kept by
pyrate-limiter where the service's other shared budgets live (``service/limits/budget.py``):
a table of the service's PostgreSQL database, or the companion file beside a SQLite database.
Every web worker on the same database draws from one budget per client, so running more
workers does not multiply the limit. A BI tool that pages too fast gets 429 ``rate_limited``
with ``Retry-After`` instead of slowing everyone down.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from threading import Lock
from typing import Any

from pyrate_limiter import AbstractBucket, BucketFactory, Limiter, Rate, RateItem
from sqlalchemy.engine import Engine

from service.errors import ServiceError
from service.limits.budget import make_bucket

WINDOW_MS = 60_000
log = logging.getLogger(__name__)


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"


def budget_name(client: str) -> str:
    """The shared budget (table) name of a client: a hash, so no subject reaches a table name."""
    return "bi_" + hashlib.sha256(client.encode()).hexdigest()[:20]


def retry_after_seconds(wait_ms: Any) -> int:
    """Whole seconds to announce in ``Retry-After`` for a bucket's wait (1 to 60).

    An unreadable or non-positive wait (the bucket could not say) is the whole window.
    """
    if not isinstance(wait_ms, int | float) or wait_ms <= 0:
        return WINDOW_MS // 1000
    return min(max(1, math.ceil(wait_ms / 1000)), WINDOW_MS // 1000)


class _PerClient(BucketFactory):
    """A shared bucket per client, made on first use.

    No leak thread: a client's expired entries are removed by its own requests, at most once
    a window (``leak_due``), so an app never leaves a thread behind.
    """

    def __init__(self, engine: Engine | None, rates: list[Rate]) -> None:
        self.engine = engine
        self.rates = rates
        self.by_name: dict[str, AbstractBucket] = {}
        self.leaked_at: dict[str, float] = {}
        self.lock = Lock()

    def bucket(self, client: str) -> AbstractBucket:
        """The client's bucket (its table is created on first use)."""
        with self.lock:
            found = self.by_name.get(client)
            if found is None:
                found = make_bucket(self.engine, budget_name(client), self.rates)
                self.by_name[client] = found
            return found

    def leak_due(self, client: str, now: float) -> bool:
        """True (and noted) when the client's bucket was not leaked in the last window."""
        with self.lock:
            if now - self.leaked_at.get(client, float("-inf")) < WINDOW_MS / 1000:
                return False
            self.leaked_at[client] = now
            return True

    def wrap_item(self, name: str, weight: int = 1) -> RateItem:
        # Stamped by the bucket's own clock: the wall clock for the shared buckets.
        return RateItem(name, self.bucket(name).now(), weight=weight)

    def get(self, item: RateItem) -> AbstractBucket:
        return self.bucket(item.name)


class ClientLimiter:
    """``per_minute`` requests per client per rolling minute, shared through ``engine``'s
    database (in the process only when there is none, e.g. an in-memory SQLite)."""

    def __init__(self, per_minute: int, engine: Engine | None = None) -> None:
        self.factory = _PerClient(engine, [Rate(per_minute, WINDOW_MS)])
        self.limiter = Limiter(self.factory)

    def check(self, client: str) -> None:
        """Spend one request of ``client``'s budget; raises ``RateLimited`` with Retry-After.

        When the budget's store cannot be reached (the database is down) the request goes
        on: the data it reads next answers the 503 ``db_unavailable`` of every route.
        """
        try:
            allowed = self._spend(client)
        except Exception as exc:  # psycopg, sqlite3 or SQLAlchemy errors of the budget store
            log.warning("BI rate budget unavailable (%s); not counted", type(exc).__name__)
            return
        if allowed:
            return
        wait = self._waiting_ms(client)
        seconds = retry_after_seconds(wait)
        raise RateLimited(
            f"Too many requests from this client; retry in {seconds} s.",
            headers={"Retry-After": str(seconds)},
        )

    def _spend(self, client: str) -> bool:
        if self.factory.leak_due(client, time.monotonic()):
            bucket = self.factory.bucket(client)
            bucket.leak(bucket.now())
        return bool(self.limiter.try_acquire(client, blocking=False))

    def _waiting_ms(self, client: str) -> Any:
        bucket = self.factory.bucket(client)
        try:
            return bucket.waiting(self.factory.wrap_item(client))
        except Exception:  # an unexpected bucket state: the whole window is always safe
            return None

    def close(self) -> None:
        """Close the limiter (the budgets' tables stay)."""
        self.limiter.close()
