"""How date-times and intervals are written in requests to Genesys: one format, everywhere.

The SDK documents every date-time as ``yyyy-MM-ddTHH:mm:ss[.mmm]Z`` and every interval as two of
them joined by ``/``. Python's ``isoformat()`` gives microseconds and ``+00:00`` instead, and a
``date`` gives no time at all, so requests never use it directly; they call these helpers.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

# What the documented API takes: seconds, optional milliseconds (1-3 digits), "Z".
DATETIME_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$")


def _utc(value: datetime | date) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def genesys_datetime(value: datetime | date) -> str:
    """``YYYY-MM-DDThh:mm:ss.sssZ`` in UTC; a naive datetime is taken as UTC, a date as midnight."""
    moment = _utc(value)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def genesys_interval(start: datetime | date, end: datetime | date) -> str:
    """``start/end``, both as ``genesys_datetime``; raises ``ValueError`` when end < start."""
    if _utc(end) < _utc(start):
        raise ValueError("an interval cannot end before it starts")
    return f"{genesys_datetime(start)}/{genesys_datetime(end)}"


def end_of_day(day: date) -> str:
    """The last second of a UTC day (due dates): ``YYYY-MM-DDT23:59:59.000Z``."""
    return genesys_datetime(datetime.combine(day, time(23, 59, 59)))


def parse_genesys_datetime(text: str) -> datetime:
    """A documented-format date-time as an aware UTC datetime; raises ``ValueError`` otherwise."""
    if not isinstance(text, str) or not DATETIME_PATTERN.match(text):
        raise ValueError(f"{text!r} is not yyyy-MM-ddTHH:mm:ss[.mmm]Z")
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
