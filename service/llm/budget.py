"""A per-minute request and token budget shared by every thread of a process."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class MinuteBudget:
    """Sliding 60-second window; ``acquire`` blocks until a request of ``tokens`` fits."""

    def __init__(
        self,
        requests_per_minute: int,
        tokens_per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rpm = requests_per_minute
        self.tpm = tokens_per_minute
        self._clock = clock
        self._sleep = sleep
        self._events: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()

    def _prune(self, now: float) -> None:
        while self._events and now - self._events[0][0] >= 60.0:
            self._events.popleft()

    def wait_time(self, tokens: int) -> float:
        """Seconds until a request of ``tokens`` fits (0 when it fits now)."""
        with self._lock:
            return self._wait_locked(self._clock(), tokens)

    def _wait_locked(self, now: float, tokens: int) -> float:
        self._prune(now)
        waits = [0.0]
        if self.rpm and len(self._events) >= self.rpm:
            waits.append(60.0 - (now - self._events[len(self._events) - self.rpm][0]))
        if self.tpm:
            used = sum(t for _, t in self._events)
            # A single request larger than the whole budget still runs, alone in its minute.
            need = min(tokens, self.tpm)
            over = used + need - self.tpm
            for at, spent in self._events:
                if over <= 0:
                    break
                waits.append(60.0 - (now - at))
                over -= spent
        return max(waits)

    def acquire(self, tokens: int) -> int:
        """Block until the request fits, then record it; returns a handle for ``settle``."""
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait_locked(now, tokens)
                if wait <= 0:
                    self._events.append((now, tokens))
                    return len(self._events)
            self._sleep(min(wait, 5.0))

    def settle(self, estimated: int, actual: int) -> None:
        """Replace an estimate by the tokens the server reported."""
        with self._lock:
            for i in range(len(self._events) - 1, -1, -1):
                at, spent = self._events[i]
                if spent == estimated:
                    self._events[i] = (at, actual)
                    return
