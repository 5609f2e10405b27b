"""Register the dispute job handlers, and follow evaluation events into the reviews."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from service.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Import the ``disputes.*`` job handlers; hook the coaching event intake (dispute events)."""
    from service.coaching.views import EVENT_HOOKS
    from service.disputes import jobs  # noqa: F401  (registration happens at import)
    from service.disputes.sync import take_event

    def follow(session: Session, event: dict[str, Any]) -> None:
        take_event(session, settings=settings, event=event)

    app.extensions.setdefault(EVENT_HOOKS, []).append(follow)
