"""Pure queue rules: when to retry, when to give up."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from service.settings import DEFAULT_JOB_BACKOFF_SECONDS

STATES = ("queued", "running", "done", "dead")


def retry_delay(
    attempt: int, backoffs: list[float], jitter: float = 0.1, rng: random.Random | None = None
) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based), with +-jitter."""
    if not backoffs:
        return 0.0
    base = backoffs[min(max(attempt, 1), len(backoffs)) - 1]
    spread = base * jitter
    return max(0.0, base + (rng or random).uniform(-spread, spread))


def attempts_for(backoffs: tuple[object, ...] | list[object]) -> int:
    """How many attempts a retry schedule allows: the first one plus one per backoff step."""
    return len(backoffs) + 1


# Attempts of a job by default: the first plus one per step of the default retry schedule (4).
MAX_ATTEMPTS = attempts_for(DEFAULT_JOB_BACKOFF_SECONDS)


def next_state(attempts: int, max_attempts: int, permanent: bool) -> str:
    """``queued`` to try again, or ``dead`` once attempts run out or the error is permanent."""
    if permanent or attempts >= max_attempts:
        return "dead"
    return "queued"


def next_run_at(now: datetime, delay: float, retry_after: float | None) -> datetime:
    """The next attempt time: the backoff, or the upstream's Retry-After if that is later."""
    wait = max(delay, retry_after or 0.0)
    return now + timedelta(seconds=wait)


def deferral_seconds(exc: BaseException | None) -> float | None:
    """The wait an upstream asked for when ``exc`` (or what caused it) is a throttle, else None.

    A throttle is any exception in the ``__cause__``/``__context__`` chain with
    ``throttled=True`` and a ``retry_after`` in seconds (``RetryLater``, ``GenesysUnavailable``,
    ``LlmUnavailable``), so a handler that wraps the client's error keeps the deferral.
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        wait = getattr(exc, "retry_after", None)
        if getattr(exc, "throttled", False) and wait is not None:
            return max(0.0, float(wait))
        exc = exc.__cause__ or exc.__context__
    return None


def truncate_error(text: str, limit: int = 4000) -> str:
    """Keep stored error text bounded."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def outage_backoff(failures: int, base: float, cap: float) -> float:
    """Seconds the worker waits after ``failures`` consecutive failed polls: doubling, capped.

    ``base`` is the poll interval (``QM_WORKER_POLL_SECONDS``), ``cap`` the longest wait
    (``QM_WORKER_MAX_BACKOFF_SECONDS``); 0 failures wait ``base``.
    """
    exponent = min(max(failures - 1, 0), 60)  # 2**60 s is past any cap; avoids float overflow
    return float(min(cap, base * 2**exponent))
