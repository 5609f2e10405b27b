"""Export rules: cursors, the export window, how each column type is written, the dictionary.

Pure functions: no Flask, SQLAlchemy or network.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

FORMATS = ("csv", "jsonl", "parquet")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}

# How each column type is written, and the SQL type a loader should use.
TYPE_FORMS: dict[str, tuple[str, str, str]] = {
    "string": ("text", "string", "TEXT"),
    "integer": ("decimal digits", "int64", "INTEGER"),
    "number": ("decimal number", "float64", "REAL"),
    "boolean": ("true / false", "bool", "INTEGER (1 / 0)"),
    "timestamp": ("ISO 8601 with +00:00", "timestamp[us, UTC]", "TEXT (ISO 8601)"),
    "date": ("YYYY-MM-DD", "date32", "TEXT (YYYY-MM-DD)"),
}


class BadCursor(ValueError):
    """A cursor or page token that this version did not write."""


@dataclass(frozen=True)
class Cursor:
    """A position in a kind's change order ``(changed_at, source id)``.

    An export's next cursor is a watermark (``source_id`` empty): the next run takes rows
    changed strictly after ``at``. A BI page token also names the source row and how many of
    its export rows were already returned (``skip``), so a page may end inside one source row.
    """

    at: datetime
    source_id: str = ""
    skip: int = 0

    def encode(self) -> str:
        """The opaque, URL-safe text form."""
        doc = {"v": 1, "at": self.at.isoformat(), "id": self.source_id, "skip": self.skip}
        raw = json.dumps(doc, separators=(",", ":")).encode("utf-8")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(text: str) -> Cursor:
    """Parse ``Cursor.encode`` output; raises ``BadCursor``."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        doc = json.loads(raw)
        at = datetime.fromisoformat(doc["at"])
        cursor = Cursor(
            at if at.tzinfo else at.replace(tzinfo=UTC), str(doc["id"]), int(doc["skip"])
        )
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise BadCursor("not a cursor written by this service") from exc
    if doc.get("v") != 1 or cursor.skip < 0:
        raise BadCursor("not a cursor written by this service")
    return cursor


def instant(value: date | datetime) -> datetime:
    """A date (midnight UTC) or datetime (naive read as UTC) as an aware UTC datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(), tzinfo=UTC)


def watermark(now: datetime, settle_seconds: float) -> datetime:
    """The newest change an export may include: ``now`` minus the settle window.

    Rows are stamped when written but become visible when their transaction commits; holding
    back the last ``settle_seconds`` keeps a slow transaction's rows from landing behind a
    cursor already handed out (they would be skipped for good).
    """
    return now - timedelta(seconds=settle_seconds)


def cell_text(value: Any) -> str:
    """One CSV cell: empty for null, ``true``/``false``, ISO 8601 for dates and times."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def json_value(value: Any) -> Any:
    """One JSON value: dates and times as ISO 8601 text, everything else as is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def json_line(row: dict[str, Any], names: Sequence[str]) -> str:
    """One JSON Lines record with the columns in dictionary order."""
    doc = {name: json_value(row.get(name)) for name in names}
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n"


def dictionary_markdown(kinds: Iterable[Any]) -> str:
    """The data dictionary page: every kind with its grain, key and columns."""
    lines = [
        "# Data dictionary",
        "",
        "Every export kind of `qmloop export`, `GET /api/v1/exports/<kind>` and the BI read API",
        "`GET /api/v1/bi/<kind>`. Generated from `service/exports/kinds/` by",
        "`python -m service.exports.dictionary > docs/data-dictionary.md`; a test fails when they",
        "differ. Names and types are stable: columns are only ever added at the end of a kind.",
        "",
        "| type | CSV / JSON Lines | Parquet | SQL (SQLite) |",
        "|---|---|---|---|",
    ]
    lines += [f"| {t} | {a} | {b} | {c} |" for t, (a, b, c) in TYPE_FORMS.items()]
    lines += ["", "Null is an empty CSV cell, JSON `null`, a Parquet null.", ""]
    for kind in kinds:
        lines += [f"## {kind.name}", "", kind.description, ""]
        lines += [f"Key: {', '.join(f'`{k}`' for k in kind.key)}.", ""]
        if kind.filters:
            lines += [f"BI filters: {', '.join(f'`{f}`' for f in kind.filters)}.", ""]
        lines += ["| column | type | description |", "|---|---|---|"]
        lines += [f"| `{c.name}` | {c.type} | {c.description} |" for c in kind.columns]
        lines.append("")
    return "\n".join(lines)
