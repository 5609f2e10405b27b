"""Sentiment policies: stored per queue (``*`` default), loaded from YAML, resolved into one view.

Layers, first set value wins: the queue's policy, the default policy, then the built-in
defaults of issue 13 (customer < -0.6, agent < -0.3, 3 in 7 days, 1 session a week, kudos > 0.8).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.policies import service as store
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


SENTIMENT = store.PolicyKind(
    name="sentiment",
    model=SentimentPolicy,
    key="queue_id",
    doc_schema=SentimentPolicyDoc,
    file_schema=SentimentPolicyFile,
    what="sentiment policies file",
    not_found="No sentiment policy for queue {key}.",
)


def put(session: Session, *, doc: SentimentPolicyDoc, updated_by: str = "") -> SentimentPolicy:
    """Create or replace the policy of ``doc.queue_id`` (a change is written to the history)."""
    return store.put(session, SENTIMENT, doc=doc, updated_by=updated_by)


def list_policies(session: Session) -> list[SentimentPolicy]:
    """Every stored sentiment policy, the default first."""
    return store.list_rows(session, SENTIMENT)


def get(session: Session, *, queue_id: str) -> SentimentPolicy:
    """One stored policy; raises ``NotFound``."""
    return store.get(session, SENTIMENT, key=queue_id)


def parse_file(text: str) -> SentimentPolicyFile:
    """Validate a sentiment policies YAML document; raises ``InvalidInput`` with every problem."""
    return store.parse_file(SENTIMENT, text)


def load_file(
    session: Session, *, text: str, replace: bool = False, updated_by: str = "cli"
) -> list[SentimentPolicy]:
    """Store every policy of a YAML document; with ``replace``, drop the ones not in it."""
    return store.load_file(session, SENTIMENT, text=text, replace=replace, updated_by=updated_by)


def export_yaml(session: Session) -> str:
    """Every stored sentiment policy as YAML that ``load_file`` reads back."""
    return store.export_yaml(session, SENTIMENT)
