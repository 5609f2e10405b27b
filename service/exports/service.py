"""Export use cases: select a kind's rows in change order, streamed, and encode them.

Rows are read with a server-side cursor on PostgreSQL (``yield_per``) and lazily from SQLite,
a batch at a time, so an export of any size runs in constant memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from service.db import Database, utcnow
from service.errors import InvalidInput, NotFound
from service.exports import rules, writers
from service.exports.catalog import get_kind
from service.exports.registry import ExportKind
from service.settings import Settings

BATCH = 1000


@dataclass
class ExportContext:
    """What a kind's row function may use besides the source row."""

    session: Session
    settings: Settings
    now: datetime


@dataclass(frozen=True)
class Selection:
    """Which rows of a kind: the occurrence window, the change position, equality filters."""

    start: datetime | None = None
    end: datetime | None = None
    after: rules.Cursor | None = None
    upper: datetime | None = None
    filters: Mapping[str, str] | None = None


def kind_or_404(name: str) -> ExportKind:
    """The export kind called ``name``; raises ``NotFound`` (``unknown_export_kind``)."""
    kind = get_kind(name)
    if kind is None:
        raise NotFound(f"No export kind {name!r}.", code="unknown_export_kind")
    return kind


def parse_cursor(text: str | None) -> rules.Cursor | None:
    """A cursor from its text, or None; raises ``InvalidInput`` (``bad_cursor``)."""
    if not text:
        return None
    try:
        return rules.decode_cursor(text)
    except rules.BadCursor as exc:
        raise InvalidInput(
            "The cursor is not one this service wrote.",
            code="bad_cursor",
            errors=[{"field": "cursor", "message": str(exc)}],
        ) from exc


def _after(kind: ExportKind, cursor: rules.Cursor) -> Any:
    ident = kind.model.id
    if not cursor.source_id:
        return kind.changed > cursor.at
    same = ident >= cursor.source_id if cursor.skip else ident > cursor.source_id
    return or_(kind.changed > cursor.at, and_(kind.changed == cursor.at, same))


def _select_all(model: Any) -> Any:
    return select(model)


def statement(kind: ExportKind, sel: Selection) -> Any:
    """The select of a kind's source rows in change order, plus ``changed`` and id columns."""
    base = kind.source() if kind.source is not None else _select_all(kind.model)
    ident = kind.model.id
    stmt = base.add_columns(kind.changed.label("qm_changed"), ident.label("qm_source_id"))
    if sel.start is not None:
        stmt = stmt.where(kind.occurred >= sel.start)
    if sel.end is not None:
        stmt = stmt.where(kind.occurred < sel.end)
    if sel.upper is not None:
        stmt = stmt.where(kind.changed <= sel.upper)
    if sel.after is not None:
        stmt = stmt.where(_after(kind, sel.after))
    for name, value in (sel.filters or {}).items():
        stmt = stmt.where(kind.filters[name] == value)
    return stmt.order_by(kind.changed, ident)


def positioned_rows(
    ctx: ExportContext, kind: ExportKind, sel: Selection
) -> Iterator[tuple[rules.Cursor, dict[str, Any]]]:
    """Every export row of the selection with the cursor that resumes right after it."""
    result = ctx.session.execute(statement(kind, sel).execution_options(yield_per=BATCH))
    for row in result:
        changed, source_id = rules.instant(row[-2]), str(row[-1])
        source = row[0] if kind.source is None else row
        skip = 0
        if (
            sel.after is not None
            and sel.after.skip
            and (changed, source_id)
            == (
                sel.after.at,
                sel.after.source_id,
            )
        ):
            skip = sel.after.skip
        for index, out in enumerate(kind.rows(source, ctx)):
            if index >= skip:
                yield rules.Cursor(changed, source_id, index + 1), out


def rows(ctx: ExportContext, kind: ExportKind, sel: Selection) -> Iterator[dict[str, Any]]:
    """Every export row of the selection, in change order."""
    for _pos, row in positioned_rows(ctx, kind, sel):
        yield row


def export_window(
    settings: Settings,
    *,
    start: datetime | None,
    end: datetime | None,
    cursor: str | None,
    now: datetime | None = None,
) -> tuple[Selection, str]:
    """The selection of one export run and the cursor the next run passes (``--cursor``).

    Raises ``InvalidInput`` for a bad cursor or ``--from`` after ``--to``.
    """
    if start is not None and end is not None and start >= end:
        raise InvalidInput("--from must be before --to.", code="bad_window")
    upper = rules.watermark(now or utcnow(), settings.export_settle_seconds)
    after = parse_cursor(cursor)
    if after is not None and after.at > upper:
        upper = after.at  # a cursor from the future (clock skew) selects nothing, not old rows
    sel = Selection(start=start, end=end, after=after, upper=upper)
    return sel, rules.Cursor(upper).encode()


def stream_export(
    db: Database, settings: Settings, kind: ExportKind, fmt: str, sel: Selection
) -> Iterator[bytes]:
    """The export file as byte chunks, read in its own session (for streamed responses)."""
    with db.session_scope() as session:
        ctx = ExportContext(session, settings, utcnow())
        yield from writers.encode(rows(ctx, kind, sel), kind, fmt)


def page(
    ctx: ExportContext,
    kind: ExportKind,
    *,
    limit: int,
    after: rules.Cursor | None,
    filters: Mapping[str, str],
    start: datetime | None = None,
    end: datetime | None = None,
) -> tuple[list[dict[str, Any]], rules.Cursor | None, bool]:
    """One BI page: up to ``limit`` rows after the token, the position after its last row
    (the given one when the page is empty), and whether more rows follow.

    The page never includes changes younger than the settle window, so paging to the end and
    keeping the last position is an incremental sync.
    """
    upper = rules.watermark(ctx.now, ctx.settings.export_settle_seconds)
    sel = Selection(start=start, end=end, after=after, upper=upper, filters=filters)
    found: list[dict[str, Any]] = []
    last = after
    for position, row in positioned_rows(ctx, kind, sel):
        if len(found) == limit:
            return found, last, True
        found.append(row)
        last = position
    return found, last, False
