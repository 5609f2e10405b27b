"""Sentiment policies: stored per queue (``*`` default), loaded from YAML, resolved into one view.

Layers, first set value wins: the queue's policy, the default policy, then the built-in
defaults of issue 13 (customer < -0.6, agent < -0.3, 3 in 7 days, 1 session a week, kudos > 0.8).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.errors import InvalidInput, NotFound, validation_errors
from service.sentiment.models import SentimentPolicy
from service.sentiment.rules import Thresholds
from service.sentiment.schemas import SentimentPolicyDoc, SentimentPolicyFile

DEFAULT_QUEUE = "*"
DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "customer_below": -0.6,
    "agent_below": -0.3,
    "kudos_above": 0.8,
    "run_length": 3,
    "window_days": 7,
    "weekly_cap": 1,
    "min_phrases": 3,
    "appointment_minutes": 30,
    "horizon_business_days": 5,
    "service_level_target": 0.8,
    "fallback_target": "local",
    "coach_pool": [],
    "calendar_unreachable": "retry",
}


@dataclass(frozen=True)
class ResolvedSentimentPolicy:
    """Every value of a sentiment policy set, for one queue."""

    queue_id: str
    thresholds: Thresholds
    weekly_cap: int
    appointment_minutes: int
    horizon_business_days: int
    service_level_target: float
    fallback_target: str
    coach_pool: tuple[str, ...] = field(default_factory=tuple)
    calendar_unreachable: str = "retry"
    enabled: bool = True
    source: str = "defaults"


def resolve_docs(
    queue_id: str, own: SentimentPolicyDoc | None, default: SentimentPolicyDoc | None
) -> ResolvedSentimentPolicy:
    """Layer a queue policy over the default policy over the built-in defaults."""
    layers = [d for d in (own, default) if d is not None]

    def pick(name: str) -> Any:
        return next((v for d in layers if (v := getattr(d, name)) is not None), DEFAULTS[name])

    thresholds = Thresholds(
        customer_below=float(pick("customer_below")),
        agent_below=float(pick("agent_below")),
        kudos_above=float(pick("kudos_above")),
        run_length=int(pick("run_length")),
        window=timedelta(days=int(pick("window_days"))),
        min_phrases=int(pick("min_phrases")),
    )
    return ResolvedSentimentPolicy(
        queue_id=queue_id,
        thresholds=thresholds,
        weekly_cap=int(pick("weekly_cap")),
        appointment_minutes=int(pick("appointment_minutes")),
        horizon_business_days=int(pick("horizon_business_days")),
        service_level_target=float(pick("service_level_target")),
        fallback_target=str(pick("fallback_target")),
        coach_pool=tuple(pick("coach_pool")),
        calendar_unreachable=str(pick("calendar_unreachable")),
        enabled=bool(pick("enabled")),
        source=own.queue_id if own else (DEFAULT_QUEUE if default else "defaults"),
    )


def _doc(row: SentimentPolicy | None) -> SentimentPolicyDoc | None:
    return SentimentPolicyDoc.model_validate(row.document) if row is not None else None


def resolve(session: Session, queue_id: str = "") -> ResolvedSentimentPolicy:
    """The effective policy for a queue (or the default one)."""
    wanted = [DEFAULT_QUEUE] + ([queue_id] if queue_id and queue_id != DEFAULT_QUEUE else [])
    rows = {
        r.queue_id: r
        for r in session.scalars(
            select(SentimentPolicy).where(SentimentPolicy.queue_id.in_(wanted))
        )
    }
    own = _doc(rows.get(queue_id)) if queue_id and queue_id != DEFAULT_QUEUE else None
    return resolve_docs(queue_id, own, _doc(rows.get(DEFAULT_QUEUE)))


def put(session: Session, *, doc: SentimentPolicyDoc, updated_by: str = "") -> SentimentPolicy:
    """Create or replace the policy of ``doc.queue_id``."""
    document = doc.model_dump(mode="json", exclude_none=True)
    query = select(SentimentPolicy).where(SentimentPolicy.queue_id == doc.queue_id)
    row = session.scalar(query)
    if row is None:
        row = SentimentPolicy(queue_id=doc.queue_id, name=doc.name, document=document)
        row.updated_by = updated_by
        try:
            with session.begin_nested():
                session.add(row)
            return row
        except IntegrityError:
            row = session.scalar(query)
            if row is None:
                raise
    if row.document != document:
        row.document, row.name, row.updated_by = document, doc.name, updated_by
        row.version += 1
    session.flush()
    return row


def list_policies(session: Session) -> list[SentimentPolicy]:
    """Every stored sentiment policy, the default first."""
    rows = list(session.scalars(select(SentimentPolicy).order_by(SentimentPolicy.queue_id)))
    return sorted(rows, key=lambda r: (r.queue_id != DEFAULT_QUEUE, r.queue_id))


def get(session: Session, *, queue_id: str) -> SentimentPolicy:
    """One stored policy; raises ``NotFound``."""
    row = session.scalar(select(SentimentPolicy).where(SentimentPolicy.queue_id == queue_id))
    if row is None:
        raise NotFound(f"No sentiment policy for queue {queue_id}.", code="policy_not_found")
    return row


def parse_file(text: str) -> SentimentPolicyFile:
    """Validate a sentiment policies YAML document; raises ``InvalidInput`` with every problem."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise InvalidInput(f"The policies file is not valid YAML: {exc}", code="bad_yaml") from exc
    if isinstance(data, list):
        data = {"policies": data}
    try:
        return SentimentPolicyFile.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            "The sentiment policies file is invalid.",
            code="invalid_policies",
            errors=validation_errors(exc),
        ) from exc


def load_file(
    session: Session, *, text: str, replace: bool = False, updated_by: str = "cli"
) -> list[SentimentPolicy]:
    """Store every policy of a YAML document; with ``replace``, drop the ones not in it."""
    parsed = parse_file(text)
    rows = [put(session, doc=doc, updated_by=updated_by) for doc in parsed.policies]
    if replace:
        keep = {doc.queue_id for doc in parsed.policies}
        for row in list_policies(session):
            if row.queue_id not in keep:
                session.delete(row)
        session.flush()
    return rows


def export_yaml(session: Session) -> str:
    """Every stored sentiment policy as YAML that ``load_file`` reads back."""
    docs = [row.document for row in list_policies(session)]
    return yaml.safe_dump({"policies": docs}, sort_keys=False, allow_unicode=True)
