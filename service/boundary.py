"""What bad input looks like, decided once for every route (pure; no Flask).

``service.api`` applies these checks to every JSON body, query string and path id before a view
runs, so a string the database cannot store, a body the interpreter cannot walk, or a date no
business rule can use is a 400 at the door instead of a 500 deep inside.

- Text: NUL (PostgreSQL ``text`` cannot hold it) and lone UTF-16 surrogates (not encodable as
  UTF-8) are refused anywhere in a string or an object key.
- JSON nesting: at most ``MAX_JSON_DEPTH`` levels (Genesys itself caps JSON at 50 levels).
- Dates: years ``MIN_YEAR`` through ``MAX_YEAR``, checked on the date as written (before any time
  zone shift), so no later arithmetic (due dates, deadlines in UTC) can overflow.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, NamedTuple

MAX_JSON_DEPTH = 64
MIN_YEAR = 1970
MAX_YEAR = 2100

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def bad_text(value: str) -> str:
    """Why the string cannot be stored (``""`` when it can)."""
    found = _BAD_TEXT.search(value)
    if found is None:
        return ""
    return "contains a NUL character" if found.group() == "\x00" else "contains a lone surrogate"


class JsonProblem(NamedTuple):
    """Where a JSON document is unusable: the field path, why, and whether it is too deep."""

    field: str
    reason: str
    too_deep: bool = False


def _children(value: Any, path: str) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [(f"{path}.{k}" if path else str(k), v) for k, v in value.items()]
    if isinstance(value, list):
        return [(f"{path}.{i}" if path else str(i), v) for i, v in enumerate(value)]
    return []


def _key_problem(value: Any, path: str) -> JsonProblem | None:
    for key in value if isinstance(value, dict) else ():
        reason = bad_text(str(key))
        if reason:
            return JsonProblem(path or "body", f"a key {reason}")
    return None


def json_problem(doc: Any) -> JsonProblem | None:
    """The first problem that makes a decoded JSON document unusable, or None.

    Walks iteratively (no recursion), so any depth the decoder produced is safe to inspect.
    """
    stack: list[tuple[str, Any, int]] = [("", doc, 1)]
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return JsonProblem(path or "body", f"nested deeper than {MAX_JSON_DEPTH} levels", True)
        if isinstance(value, str):
            reason = bad_text(value)
            if reason:
                return JsonProblem(path or "body", reason)
            continue
        key_problem = _key_problem(value, path)
        if key_problem:
            return key_problem
        stack.extend((p, v, depth + 1) for p, v in _children(value, path))
    return None


def year_problem(value: date | datetime) -> str:
    """Why the date is outside the plausible range (``""`` when inside)."""
    if MIN_YEAR <= value.year <= MAX_YEAR:
        return ""
    return f"must be between {MIN_YEAR}-01-01 and {MAX_YEAR}-12-31"


def parse_iso_day(text: str) -> date | datetime | None:
    """An ISO 8601 date (``2024-03-01``) or datetime (``...T10:00:00Z``), or None."""
    text = text.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
