"""The division rule, in one place (docs/governance.md "Divisions").

A division-scoped person (a supervisor, evaluator or admin whose Genesys grants do not cover
every division) sees an object that belongs to an agent only when that agent lives in one of
their divisions, according to the directory copy (``service.directory``). An agent missing from
the directory is in no division: scoped people do not see them until the next sync. Everyone
else (the integration credential, people granted every division, agents, who only ever see
their own rows) is not filtered here.

Every read that shows agents' objects calls ``agent_clause`` (lists, in SQL) or
``agent_visible`` / ``require_agent`` (one object: 404 like another person's object). Reads that
span the whole org (jobs, exports, statistics over every evaluator) are refused to scoped people
by the auth gate (``service.auth.matrix.ALL_DIVISIONS_ONLY``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from service.auth.rules import Principal
from service.directory.models import DirectoryEntry
from service.errors import ServiceError


def agent_clause(principal: Principal, column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """A SQL condition on an agent id ``column``: true for the unscoped, else the agent is a
    directory user of one of the person's divisions."""
    if not principal.division_scoped:
        return true()
    allowed = select(DirectoryEntry.id).where(
        DirectoryEntry.kind == "user",
        DirectoryEntry.division_id.in_(sorted(principal.divisions or ())),
    )
    return column.in_(allowed)


def agent_visible(db: Session, principal: Principal, agent_id: str | None) -> bool:
    """True when the person may see objects of ``agent_id`` (always, when not scoped)."""
    if not principal.division_scoped:
        return True
    row = db.get(DirectoryEntry, ("user", agent_id or ""))
    return row is not None and row.division_id in (principal.divisions or ())


def visible_agents(db: Session, principal: Principal, agent_ids: Iterable[str]) -> set[str]:
    """The subset of ``agent_ids`` the person may see."""
    ids = set(agent_ids)
    if not principal.division_scoped or not ids:
        return ids
    found = db.scalars(
        select(DirectoryEntry.id).where(
            DirectoryEntry.kind == "user",
            DirectoryEntry.id.in_(sorted(ids)),
            DirectoryEntry.division_id.in_(sorted(principal.divisions or ())),
        )
    )
    return set(found)


def require_agent(
    db: Session, principal: Principal, agent_id: str | None, not_found: ServiceError
) -> None:
    """Raise ``not_found`` (the caller's own 404) when the agent is outside the person's
    divisions."""
    if not agent_visible(db, principal, agent_id):
        raise not_found
