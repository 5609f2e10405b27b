"""Job kinds and their handlers; domains register with ``@job_handler("kind")``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from service.settings import Settings


@dataclass
class JobContext:
    """What a handler gets: its payload, a session the runner commits, the app."""

    job_id: str
    kind: str
    attempt: int
    payload: dict[str, Any]
    session: Session
    app: Flask
    settings: Settings


Handler = Callable[[JobContext], "dict[str, Any] | None"]

HANDLERS: dict[str, Handler] = {}


class RetryLater(Exception):
    """Raise from a handler to try again later (for example after a 429's Retry-After).

    ``retry_after`` (seconds) is the earliest next attempt. ``throttled=True`` says an
    upstream asked for that wait (a rate limit, not a failure): the job is deferred to then
    without spending an attempt.
    """

    def __init__(
        self, reason: str, retry_after: float | None = None, *, throttled: bool = False
    ) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.throttled = throttled


class PermanentFailure(Exception):
    """Raise from a handler when retrying cannot help: the job goes straight to dead."""


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register ``fn`` as the handler of ``kind``."""

    def deco(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return deco
