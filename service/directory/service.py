"""Keep the directory copy in sync with Genesys (users and their divisions)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from service.db import utcnow
from service.directory.models import DirectoryEntry
from service.genesys.api import GenesysApi

USERS_PATH = "/api/v2/users"
PAGE_SIZE = 500  # the largest page Genesys serves for users
MAX_PAGES = 1000  # 500,000 users: a guard against a listing that never ends


def put(
    db: Session,
    kind: str,
    entry_id: str,
    division_id: str,
    name: str = "",
    now: datetime | None = None,
) -> DirectoryEntry:
    """Insert or update one entry (``kind`` ``user`` or ``queue``); returns the row."""
    row = db.get(DirectoryEntry, (kind, entry_id))
    if row is None:
        row = DirectoryEntry(kind=kind, id=entry_id)
        db.add(row)
    row.division_id, row.name, row.synced_at = division_id, name[:200], now or utcnow()
    db.flush()
    return row


def put_entities(db: Session, kind: str, entities: Iterable[dict[str, Any]]) -> int:
    """Store Genesys objects carrying ``division {id}`` (``User``, ``Queue``); returns how many
    had a division (others are skipped: without a division nobody scoped may see them)."""
    now, count = utcnow(), 0
    for item in entities:
        division = (item.get("division") or {}).get("id")
        if item.get("id") and division:
            put(db, kind, str(item["id"]), str(division), str(item.get("name") or ""), now)
            count += 1
    return count


def sync_users(db: Session, api: GenesysApi, page_size: int = PAGE_SIZE) -> int:
    """Copy every user (any state) with their division from ``GET /api/v2/users``, page by
    page; returns how many were stored. Raises ``GenesysError`` when Genesys fails."""
    stored = 0
    for number in range(1, MAX_PAGES + 1):
        params = {"pageSize": page_size, "pageNumber": number, "state": "any"}
        page = api.request("GET", USERS_PATH, params=params) or {}
        stored += put_entities(db, "user", page.get("entities") or [])
        if number >= int(page.get("pageCount") or 1):
            break
    analyze(db)
    return stored


def analyze(db: Session) -> None:
    """Fresh planner statistics of the directory on PostgreSQL: without them, right after the
    first sync, the division filter's semi-join is planned as a nested loop (0.2 s instead of
    12 ms for 10,000 sessions, ``benchmarks/bench_pages.py``)."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("ANALYZE directory_entries"))
