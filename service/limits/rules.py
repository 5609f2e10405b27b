"""Pure rules for upstream rate limits: reading a wait from response headers, budget shapes.

One parser serves every client that reads a wait from an answer (the Genesys client, the LLM
client, the LMS webhook), so an HTTP date or ``retry-after-ms`` means the same everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# A wait longer than this is treated as this: one hour. A server that asks for a day (or sends
# a date years ahead by mistake) gets its work retried hourly instead of parked for good.
MAX_RETRY_AFTER_SECONDS = 3600.0


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from one ``Retry-After`` value, or None when absent or unreadable.

    Accepts delta-seconds (RFC 9110 section 10.2.3; decimals too, as some proxies send them)
    and an HTTP date (IMF-fixdate, RFC 850 and asctime forms). Negative seconds and dates in
    the past mean "now" (0.0); values above ``MAX_RETRY_AFTER_SECONDS`` are capped to it.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    seconds: float | None
    try:
        seconds = float(text)
    except ValueError:
        seconds = _seconds_until_date(text, now)
    if seconds is None or not math.isfinite(seconds):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER_SECONDS)


def _seconds_until_date(text: str, now: datetime | None) -> float | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - (now or datetime.now(UTC))).total_seconds()


def parse_retry_after_ms(value: str | None) -> float | None:
    """Seconds from a ``retry-after-ms`` value (milliseconds, as OpenAI and Azure send it)."""
    if value is None or not value.strip():
        return None
    try:
        millis = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(millis):
        return None
    return min(max(0.0, millis / 1000.0), MAX_RETRY_AFTER_SECONDS)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def retry_after_seconds(
    headers: Mapping[str, str] | None, now: datetime | None = None
) -> float | None:
    """The wait an answer asks for, in seconds (0.0 to ``MAX_RETRY_AFTER_SECONDS``), or None.

    ``retry-after-ms`` wins when it is readable (it is the more precise of the two, and the
    ``openai`` package reads it first too); otherwise ``Retry-After`` as seconds or an HTTP
    date. Header names are matched case-insensitively; unreadable values count as absent.
    """
    if not headers:
        return None
    millis = parse_retry_after_ms(_header(headers, "retry-after-ms"))
    if millis is not None:
        return millis
    return parse_retry_after(_header(headers, "retry-after"), now)


def budget_rates(requests_per_minute: int, burst: int = 0) -> list[tuple[int, int]]:
    """Sliding-window limits ``(count, window in ms)`` that never exceed the per-minute budget.

    A short window spreads the minute: ``burst`` requests (default a tenth of the budget) per
    ``60 * burst / requests_per_minute`` seconds, so the pace is even instead of the whole
    minute's budget in the first second. A 61-second window of the full budget keeps the
    count under the limit even when requests reach the server up to a second later than the
    moment they were counted (network and scheduling delays).
    """
    capacity = burst or max(1, requests_per_minute // 10)
    if capacity >= requests_per_minute:
        return [(requests_per_minute, 61_000)]
    short_ms = max(1, math.ceil(60_000 * capacity / requests_per_minute))
    return [(capacity, short_ms), (requests_per_minute, 61_000)]
