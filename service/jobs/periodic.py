"""Periodic jobs declared as data: each domain's ``jobs.py`` may define ``PERIODIC``.

``PERIODIC = (Periodic("kind", every_seconds=300),)`` asks for one ``kind`` job per 300-second
slot of the UTC clock. The worker calls ``enqueue_due`` on every poll; the job's idempotency key
``periodic:<kind>:<slot>`` makes that safe from any number of workers: each slot's job is
enqueued once, and a worker that was down enqueues only the current slot on its return (the
handler decides what a missed period means for its domain).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.jobs.service import enqueue


@dataclass(frozen=True)
class Periodic:
    """A job ``kind`` to run once per ``every_seconds`` slot, with a fixed payload."""

    kind: str
    every_seconds: int
    payload: dict[str, Any] = field(default_factory=dict)


def declared() -> list[Periodic]:
    """Every domain's ``PERIODIC`` declarations (from ``service.<domain>.jobs``)."""
    from service import domain_modules

    return [p for module in domain_modules("jobs") for p in getattr(module, "PERIODIC", ())]


def slot_key(item: Periodic, now: datetime) -> str:
    """The idempotency key of ``item``'s slot containing ``now``."""
    return f"periodic:{item.kind}:{int(now.timestamp()) // item.every_seconds}"


def enqueue_due(session: Session, now: datetime, items: list[Periodic] | None = None) -> int:
    """Enqueue the current slot's job of every periodic kind; returns how many were new."""
    created = 0
    for item in declared() if items is None else items:
        _, new = enqueue(session, item.kind, dict(item.payload), key=slot_key(item, now))
        created += int(new)
    return created
