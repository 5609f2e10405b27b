"""Per-client request budget of the BI read API and export downloads (pyrate-limiter).

One in-memory bucket per client (the credential's subject) per process: a BI tool that pages
too fast gets 429 ``rate_limited`` with ``Retry-After`` instead of slowing everyone down.
"""

from __future__ import annotations

import math
from threading import Lock
from typing import Any

from pyrate_limiter import BucketFactory, Duration, InMemoryBucket, Limiter, Rate, RateItem
from pyrate_limiter.clocks import MonotonicClock

from service.errors import ServiceError


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"


class _PerClient(BucketFactory):
    """A bucket per client name, created on first use."""

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self.clock = MonotonicClock()
        self.by_name: dict[str, InMemoryBucket] = {}
        self.lock = Lock()

    def wrap_item(self, name: str, weight: int = 1) -> RateItem:
        return RateItem(name, self.clock.now(), weight=weight)

    def get(self, item: RateItem) -> InMemoryBucket:
        with self.lock:
            bucket = self.by_name.get(item.name)
            if bucket is None:
                bucket = InMemoryBucket([self.rate])
                self.schedule_leak(bucket)
                self.by_name[item.name] = bucket
            return bucket


class ClientLimiter:
    """``per_minute`` requests per client per rolling minute."""

    def __init__(self, per_minute: int) -> None:
        self.factory = _PerClient(Rate(per_minute, Duration.MINUTE))
        self.limiter = Limiter(self.factory)

    def check(self, client: str) -> None:
        """Spend one request of ``client``'s budget; raises ``RateLimited`` with Retry-After."""
        if self.limiter.try_acquire(client, blocking=False):
            return
        wait = math.ceil(self._waiting_ms(client) / 1000) or 1
        raise RateLimited(
            f"Too many requests from this client; retry in {wait} s.",
            headers={"Retry-After": str(wait)},
        )

    def _waiting_ms(self, client: str) -> float:
        bucket: Any = self.factory.by_name.get(client)
        try:
            waited = bucket.waiting(self.factory.wrap_item(client))
            return float(waited) if isinstance(waited, int | float) and waited > 0 else 60_000.0
        except Exception:  # an unexpected bucket state: the window's length is always safe
            return 60_000.0
