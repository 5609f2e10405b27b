"""Batched removal of rows, safe when two workers run it at once, each batch audited.

A batch locks at most ``batch_size`` matching rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
a second worker takes other rows instead of waiting or deadlocking; SQLite serializes writers
with ``BEGIN IMMEDIATE``), removes or anonymizes them and their child rows, and writes one
GovernanceAudit row per kind with the count the database reported and QM Loop's own ids of those
rows. With ``commit=True`` every batch is its own transaction, so a large purge never holds
its locks for long and a crash loses no audit of what was already removed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, inspect, select, update
from sqlalchemy.orm import Session

from service.db import new_id
from service.governance.models import GovernanceAudit

MAX_AUDIT_IDS = 1000  # ids kept per audit row; a batch is never larger than this


def subject_hash(value: str) -> str:
    """What the audit keeps of a subject: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(value.encode()).hexdigest()[:16] if value else ""


@dataclass(frozen=True)
class Child:
    """Rows that go with a parent row: ``fk`` is the child's column holding the parent's id."""

    kind: str
    model: Any
    fk: Any


@dataclass(frozen=True)
class Rows:
    """The rows of one table matching ``cond``; ``clear`` anonymizes these columns instead of
    deleting the rows (``cond`` must then exclude rows already cleared)."""

    kind: str
    model: Any
    cond: Any
    children: tuple[Child, ...] = ()
    clear: Mapping[str, Any] | None = None


@dataclass
class Run:
    """One purge, erasure or deletion: its audit context and its counts per kind."""

    session: Session
    action: str
    reason: str
    subject: str = ""  # the Genesys id the run is about; only its hash is written
    batch_size: int = 500
    commit: bool = False  # commit each batch (jobs, CLI); False: the caller's transaction
    dry_run: bool = False
    run_id: str = field(default_factory=new_id)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, n: int) -> None:
        """Count ``n`` rows of ``kind`` (every kind touched appears, even with 0)."""
        self.counts[kind] = self.counts.get(kind, 0) + n

    def record(self, kind: str, n: int, ids: list[str]) -> None:
        """Count ``n`` rows of ``kind`` and audit them (nothing is written for 0 or a dry run)."""
        self.add(kind, n)
        if n and not self.dry_run:
            self.session.add(
                GovernanceAudit(
                    action=self.action,
                    kind=kind,
                    subject=subject_hash(self.subject),
                    count=n,
                    reason=self.reason[:200],
                    run_id=self.run_id,
                    ids=ids[:MAX_AUDIT_IDS],
                )
            )

    def checkpoint(self) -> None:
        """End a batch: commit it (``commit=True``) or flush it into the caller's transaction."""
        if self.commit:
            self.session.commit()
        else:
            self.session.flush()


def primary_key(model: Any) -> Any:
    """The (single) primary-key column of a mapped class."""
    return inspect(model).primary_key[0]


def _own_ids(model: Any, ids: list[Any]) -> list[str]:
    """Ids worth auditing: our UUIDs, never a natural key such as a Genesys user id."""
    return [str(i) for i in ids] if primary_key(model).name == "id" else []


def lock_batch(session: Session, model: Any, cond: Any, limit: int) -> list[Any]:
    """Primary keys of up to ``limit`` rows matching ``cond``, locked for this transaction;
    rows another transaction holds are skipped on PostgreSQL."""
    pk = primary_key(model)
    query = select(pk).where(cond).order_by(pk).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def count(session: Session, model: Any, cond: Any) -> int:
    """How many rows of ``model`` match ``cond``."""
    return int(session.scalar(select(func.count()).select_from(model).where(cond)) or 0)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def remove(run: Run, rows: Rows) -> None:
    """Remove (or anonymize) every row ``rows`` selects, batch by batch, with its children."""
    pk = primary_key(rows.model)
    for kind in (rows.kind, *(c.kind for c in rows.children)):
        run.add(kind, 0)
    if run.dry_run:
        run.add(rows.kind, count(run.session, rows.model, rows.cond))
        for child in rows.children:
            parents = select(pk).where(rows.cond)
            run.add(child.kind, count(run.session, child.model, child.fk.in_(parents)))
        return
    size = min(run.batch_size, MAX_AUDIT_IDS)
    while ids := lock_batch(run.session, rows.model, rows.cond, size):
        for child in rows.children:
            child_pk = primary_key(child.model)
            child_ids = list(run.session.scalars(select(child_pk).where(child.fk.in_(ids))))
            if child_ids:
                gone = run.session.execute(delete(child.model).where(child_pk.in_(child_ids)))
                run.record(child.kind, _rowcount(gone), _own_ids(child.model, child_ids))
        if rows.clear is None:
            statement: Any = delete(rows.model).where(pk.in_(ids))
        else:
            statement = update(rows.model).where(pk.in_(ids)).values(**rows.clear)
        done = run.session.execute(statement.execution_options(synchronize_session="fetch"))
        run.record(rows.kind, _rowcount(done), _own_ids(rows.model, ids))
        run.checkpoint()
        if len(ids) < size:
            break
