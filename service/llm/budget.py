"""Per-minute request and token budgets: in one process, or shared through the database."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from sqlalchemy.engine import Engine

from service.limits.budget import SharedBudget


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


# The token budget is kept in units of this many tokens (the database bucket stores one row
# per unit, so a 4,000-token request is 40 rows, not 4,000).
TOKEN_UNIT = 100


class SharedMinuteBudget:
    """``MinuteBudget``'s contract over ``SharedBudget``: one budget for every process.

    Requests and tokens (in ``TOKEN_UNIT`` units, rounded up) each get a sliding 60-second
    window in the database the engine points at; 0 switches either off. The token estimate is
    charged and not refunded (``settle`` is a no-op): estimates are upper bounds, so the
    budget errs on the slow side.
    """

    def __init__(
        self, name: str, requests_per_minute: int, tokens_per_minute: int, engine: Engine | None
    ) -> None:
        self.rpm = requests_per_minute
        self.tpm = tokens_per_minute
        self.requests = (
            SharedBudget(f"{name}_req", [(requests_per_minute, 60_000)], engine)
            if requests_per_minute
            else None
        )
        units = -(-tokens_per_minute // TOKEN_UNIT)
        self.tokens = (
            SharedBudget(f"{name}_tok", [(units, 60_000)], engine) if tokens_per_minute else None
        )

    def acquire(self, tokens: int) -> int:
        """Block until a request of ``tokens`` fits in both budgets; returns ``tokens``."""
        if self.requests is not None:
            self.requests.acquire()
        if self.tokens is not None:
            self.tokens.acquire(-(-max(tokens, 1) // TOKEN_UNIT))
        return tokens

    def settle(self, estimated: int, actual: int) -> None:
        """Nothing to do: the estimate stays charged (see the class docstring)."""
