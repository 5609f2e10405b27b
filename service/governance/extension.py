"""Wire governance into the app: encryption keys, the periodic jobs, Genesys deletions."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from service.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Configure the at-rest encryption keys (``QM_GOVERNANCE_ENCRYPTION_KEYS``), register the
    ``governance.*`` job handlers and follow evaluations deleted in Genesys."""
    from service.coaching.views import EVENT_HOOKS
    from service.governance import jobs  # noqa: F401  (registration happens at import)
    from service.governance.crypto import configure

    configure(settings.governance_encryption_keys.get_secret_value())
    app.extensions.setdefault(EVENT_HOOKS, []).append(follow_evaluation_event)


def follow_evaluation_event(session: Session, event: dict[str, Any]) -> None:
    """A ``v2.quality.evaluations`` deletion: remove what we hold about that evaluation (the
    coaching domain has already withdrawn its coaching; service/governance/deletion.py)."""
    from service.coaching.rules import DELETED, event_withdrawal
    from service.governance.deletion import forget_evaluation

    status, event_type = str(event.get("status") or ""), str(event.get("eventType") or "")
    if event.get("id") and event_withdrawal(status, event_type) == DELETED:
        forget_evaluation(session, str(event["id"]), withdraw=False)
