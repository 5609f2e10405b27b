"""Where a replay's history comes from: Genesys (users, the evaluation query, each evaluation
once) and the sentiment domain's stored interactions; fetched evaluations are cached.

Requests: one users page per 100 users, one query page per agent and 100 evaluations, and one
``GET`` per final evaluation not yet cached or changed since (its form comes from the client's
form cache). The replay stops with ``RequestBudgetExceeded`` before it would send more than
``QM_REPLAY_MAX_GENESYS_REQUESTS``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.coaching import rules as coaching_rules
from service.coaching import triage
from service.db import utcnow
from service.errors import InvalidInput
from service.genesys.api import GenesysApi, GenesysNotFound
from service.genesys.formats import genesys_datetime
from service.replay.models import CachedEvaluation
from service.replay.simulate import Agent, EvaluationIn, InteractionIn
from service.sentiment.models import SentimentInteraction

PAGE_SIZE = 100


class RequestBudgetExceeded(InvalidInput):
    """The replay would need more Genesys requests than its budget allows."""

    code = "replay_request_budget"


@dataclass
class Budget:
    """Counts the Genesys requests of one replay and refuses the one past ``limit``."""

    limit: int
    used: int = 0
    cached: int = 0

    def spend(self) -> None:
        """Count one request; raises ``RequestBudgetExceeded`` past the limit."""
        if self.used >= self.limit:
            raise RequestBudgetExceeded(
                f"The replay needs more than {self.limit} Genesys requests; replay a shorter "
                "period (fetched evaluations are cached, so the next run asks for fewer) or "
                "raise QM_REPLAY_MAX_GENESYS_REQUESTS.",
            )
        self.used += 1


def day_start(day: date) -> datetime:
    """Midnight UTC at the start of ``day``."""
    return datetime.combine(day, time(), UTC)


def fetch_agents(api: GenesysApi, budget: Budget) -> dict[str, Agent]:
    """Every user of the org, any state, with their manager's name (the team)."""
    users: list[dict[str, Any]] = []
    number, pages = 1, 1
    while number <= pages:
        budget.spend()
        params = {"state": "any", "pageSize": PAGE_SIZE, "pageNumber": number}
        listing = api.request("GET", "/api/v2/users", params=params) or {}
        users += [u for u in listing.get("entities") or [] if isinstance(u, dict)]
        pages, number = int(listing.get("pageCount") or 1), number + 1
    names = {str(u.get("id")): str(u.get("name") or "") for u in users}
    agents = {}
    for u in users:
        manager = u.get("manager") if isinstance(u.get("manager"), dict) else {}
        manager_id = str((manager or {}).get("id") or "")
        uid = str(u.get("id"))
        state = str(u.get("state") or "active").lower()
        agents[uid] = Agent(uid, names[uid], state, manager_id, names.get(manager_id, ""))
    return agents


def _query_pages(
    api: GenesysApi, agent_id: str, start: datetime, end: datetime, budget: Budget
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    number, pages = 1, 1
    while number <= pages:
        budget.spend()
        page = api.query_evaluations(
            {
                "agentUserId": agent_id,
                "startTime": genesys_datetime(start),
                "endTime": genesys_datetime(end),
                "pageSize": PAGE_SIZE,
                "pageNumber": number,
                "includeDeletedUsers": "true",
            }
        )
        found += [e for e in (page or {}).get("entities") or [] if isinstance(e, dict)]
        pages, number = int((page or {}).get("pageCount") or 1), number + 1
    return found


def record_of(
    evaluation: dict[str, Any], groups: list[coaching_rules.GroupScore]
) -> dict[str, Any]:
    """The cached form of a fetched evaluation: what the decision rules read, scored once."""
    return {
        "id": str(evaluation.get("id") or ""),
        "agentId": str((evaluation.get("agent") or {}).get("id") or ""),
        "formId": triage.form_id_of(evaluation),
        "status": str(evaluation.get("status") or ""),
        "version": triage.evaluation_version(evaluation),
        "evaluationDate": triage.evaluation_date(evaluation),
        "percentage": coaching_rules.evaluation_percentage(evaluation, groups),
        "groups": [[g.id, g.name, g.points, g.possible, g.weight, g.order] for g in groups],
    }


def evaluation_in(record: dict[str, Any]) -> EvaluationIn:
    """An ``EvaluationIn`` from a cached record; its clock is its evaluation date."""
    day = record["evaluationDate"]
    return EvaluationIn(
        id=record["id"],
        agent_id=record["agentId"],
        form_id=record["formId"],
        status=record["status"],
        version=int(record["version"]),
        at=_parse_at(day),
        percentage=float(record["percentage"]),
        groups=tuple(coaching_rules.GroupScore(*g) for g in record["groups"]),
        evaluation_date=day,
    )


def _parse_at(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _summary_record(summary: dict[str, Any]) -> dict[str, Any]:
    """A record for a non-final evaluation: its status decides it, no scores needed."""
    return record_of(summary, [])


def _fetch(api: GenesysApi, summary: dict[str, Any], budget: Budget) -> dict[str, Any] | None:
    conversation = str((summary.get("conversation") or {}).get("id") or "")
    budget.spend()
    try:
        evaluation = api.get_evaluation(conversation, str(summary["id"]))
    except GenesysNotFound:
        return None
    return record_of(evaluation, triage.sections_of(api, evaluation))


def fetch_evaluations(
    session: Session, api: GenesysApi, agents: Iterable[str], start: date, end: date, budget: Budget
) -> list[EvaluationIn]:
    """The evaluations created from ``start`` to ``end`` (inclusive days) of every agent,
    sorted by decision time; final ones fetched whole once and cached by ``changedDate``."""
    since, until = day_start(start), day_start(end + timedelta(days=1))
    summaries = [s for a in agents for s in _query_pages(api, a, since, until, budget)]
    ids = [str(s.get("id")) for s in summaries]
    cached = {
        row.evaluation_id: row
        for chunk in _chunks(ids, 500)
        for row in session.scalars(
            select(CachedEvaluation).where(CachedEvaluation.evaluation_id.in_(chunk))
        )
    }
    records = []
    for summary in summaries:
        record = _record(session, api, summary, cached.get(str(summary.get("id"))), budget)
        if record is not None:
            records.append(evaluation_in(record))
    return sorted(records, key=lambda e: (e.at, e.id))


def _record(
    session: Session,
    api: GenesysApi,
    summary: dict[str, Any],
    row: CachedEvaluation | None,
    budget: Budget,
) -> dict[str, Any] | None:
    status = str(summary.get("status") or "")
    if not coaching_rules.is_final(status):
        return _summary_record(summary)
    changed = str(summary.get("changedDate") or "")
    if row is not None and row.changed == changed:
        budget.cached += 1
        return row.record
    record = _fetch(api, summary, budget)
    if record is None:
        return None
    if row is None:
        row = CachedEvaluation(evaluation_id=record["id"])
        session.add(row)
    row.version, row.changed, row.record, row.fetched_at = (
        record["version"],
        changed,
        record,
        utcnow(),
    )
    return record


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def module_names(api: GenesysApi, ids: Iterable[str], budget: Budget) -> dict[str, str]:
    """Learning module names by id (``GET /api/v2/learning/modules/{id}``, one request each);
    an unknown module keeps no name."""
    names = {}
    for module_id in sorted(set(ids) - {""}):
        budget.spend()
        try:
            found = api.request("GET", f"/api/v2/learning/modules/{module_id}") or {}
        except GenesysNotFound:
            continue
        names[module_id] = str(found.get("name") or "")
    return names


def load_interactions(session: Session, start: date, end: date) -> list[InteractionIn]:
    """The sentiment domain's stored interactions that ended from ``start`` to ``end``, in
    end-time order (one query of plain columns)."""
    t = SentimentInteraction
    query = (
        select(
            t.conversation_id,
            t.agent_id,
            t.queue_id,
            t.ended_at,
            t.customer_score,
            t.agent_score,
            t.customer_phrases,
            t.agent_phrases,
        )
        .where(t.ended_at >= day_start(start), t.ended_at < day_start(end + timedelta(days=1)))
        .order_by(t.ended_at, t.conversation_id)
    )
    return [InteractionIn(*row) for row in session.execute(query)]
