"""Removal of one value from JSON list columns (a deleted conversation's id in a sentiment
session's ``conversation_ids``, an erased person's id in a trust alert's ``owners``).

The rows are found with a text match on the stored JSON (``"value"``, the quoted form every
serializer writes for an ASCII id; works the same on SQLite and PostgreSQL), then the list is
filtered exactly in Python, so a value that is only part of another never matches. Each changed
row is audited like any other removal (service/governance/batches.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, select

from service.governance.batches import Run, primary_key


@dataclass(frozen=True)
class ListValue:
    """``value`` in the JSON list ``column`` of ``model``, counted under ``kind``."""

    kind: str
    model: Any
    column: Any
    value: str


def _holding(run: Run, item: ListValue) -> list[Any]:
    """The rows whose list holds the value exactly, in primary-key order."""
    needle = json.dumps(item.value)
    query = (
        select(item.model)
        .where(cast(item.column, String).contains(needle, autoescape=True))
        .order_by(primary_key(item.model))
    )
    key = item.column.key
    return [r for r in run.session.scalars(query) if item.value in (getattr(r, key) or [])]


def drop_from_list(run: Run, item: ListValue) -> None:
    """Remove ``item.value`` from every list holding it; rows stay (counts only on a dry run)."""
    run.add(item.kind, 0)
    rows = _holding(run, item)
    if run.dry_run:
        run.add(item.kind, len(rows))
        return
    key = item.column.key
    for row in rows:
        setattr(row, key, [v for v in getattr(row, key) if v != item.value])
    run.record(item.kind, len(rows), [str(r.id) for r in rows])
    run.checkpoint()
