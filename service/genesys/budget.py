"""A thread-safe token bucket: the client's shared request budget against Genesys."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from service.genesys.rules import budget_shape


class TokenBucket:
    """Paces callers to ``requests_per_minute`` with a small burst; waiters queue in order."""

    def __init__(
        self,
        requests_per_minute: int,
        burst: int = 0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.capacity, self.rate = budget_shape(requests_per_minute, burst)
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self.waited_seconds = 0.0

    def reserve(self) -> float:
        """Take one token now (the balance may go negative) and return how long to wait for it."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= 1
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
            wait = max(wait, self._paused_until - now)
            self.waited_seconds += wait
            return wait

    def pause(self, seconds: float) -> None:
        """Hold every caller for ``seconds`` (Genesys said 429: the whole token is throttled)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def acquire(self) -> float:
        """Block until a request may go out; returns the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait
