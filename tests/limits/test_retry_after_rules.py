"""The one Retry-After parser: every header form and its neighbours (boundary tables)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from service.limits.rules import (
    MAX_RETRY_AFTER_SECONDS,
    budget_rates,
    parse_retry_after,
    parse_retry_after_ms,
    retry_after_seconds,
)

NOW = datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("0", 0.0),
        ("7", 7.0),
        (" 7 ", 7.0),
        ("0.25", 0.25),  # decimals: some proxies send them
        ("-5", 0.0),  # negative: clamped to now
        ("3599", 3599.0),  # below the cap
        ("3600", MAX_RETRY_AFTER_SECONDS),  # at the cap
        ("3601", MAX_RETRY_AFTER_SECONDS),  # above: capped
        ("1e12", MAX_RETRY_AFTER_SECONDS),  # absurd: capped
        ("inf", None),
        ("nan", None),
        ("soon", None),
        ("10s", None),
        ("Mon, 30 Nov 2026 12:00:30 GMT", 30.0),  # IMF-fixdate, ahead
        ("Monday, 30-Nov-26 12:00:30 GMT", 30.0),  # RFC 850
        ("Mon Nov 30 12:00:30 2026", 30.0),  # asctime
        ("Mon, 30 Nov 2026 12:00:00 GMT", 0.0),  # exactly now
        ("Mon, 30 Nov 2026 11:59:00 GMT", 0.0),  # in the past: now
        ("Mon, 30 Nov 2026 14:00:00 GMT", MAX_RETRY_AFTER_SECONDS),  # two hours: capped
        ("Mon, 99 Nov 2026 12:00:30 GMT", None),  # not a date
        ("30 Nov 2026", None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, None),
        ("", None),
        ("0", 0.0),
        ("1", 0.001),
        ("250", 0.25),
        ("1500.5", 1.5005),
        ("-20", 0.0),
        ("3600000", MAX_RETRY_AFTER_SECONDS),
        ("3600001", MAX_RETRY_AFTER_SECONDS),
        ("abc", None),
        ("nan", None),
    ],
)
def test_parse_retry_after_ms(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after_ms(value) == seconds


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({}, None),
        (None, None),
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": "3"}, 3.0),  # a plain dict with lower-case names
        ({"RETRY-AFTER-MS": "400"}, 0.4),
        ({"Retry-After": "3", "retry-after-ms": "400"}, 0.4),  # both: the precise one wins
        ({"Retry-After": "3", "retry-after-ms": "junk"}, 3.0),  # unreadable ms: seconds
        ({"Retry-After": "junk", "retry-after-ms": "junk"}, None),
        ({"Retry-After": "Mon, 30 Nov 2026 12:00:05 GMT"}, 5.0),
        ({"Other": "1"}, None),
    ],
)
def test_retry_after_seconds_from_headers(
    headers: dict[str, str] | None, seconds: float | None
) -> None:
    assert retry_after_seconds(headers, NOW) == seconds


def test_case_insensitive_header_type_of_requests() -> None:
    headers = requests.structures.CaseInsensitiveDict({"RETRY-AFTER": "2"})
    assert retry_after_seconds(headers) == 2.0


@pytest.mark.parametrize(
    ("rpm", "burst", "rates"),
    [
        (300, 0, [(30, 6000), (300, 61000)]),  # a tenth per six seconds, the minute with margin
        (1800, 0, [(180, 6000), (1800, 61000)]),
        (300, 60, [(60, 12000), (300, 61000)]),
        (300, 299, [(299, 59800), (300, 61000)]),
        (300, 300, [(300, 61000)]),  # burst = budget: one window
        (300, 900, [(300, 61000)]),
        (5, 0, [(1, 12000), (5, 61000)]),
        (1, 0, [(1, 61000)]),
    ],
)
def test_budget_rates(rpm: int, burst: int, rates: list[tuple[int, int]]) -> None:
    assert budget_rates(rpm, burst) == rates


@pytest.mark.parametrize("rpm", [1, 7, 60, 300, 1799, 1800, 100_000])
def test_budget_rates_never_exceed_the_minute(rpm: int) -> None:
    rates = budget_rates(rpm)
    # any 60 s window holds at most ceil(60 s / short window) short windows' worth, and the
    # long window never lets more than the budget through
    assert rates[-1] == (rpm, 61000)
    limit, window = rates[0]
    assert limit * 60_000 / window <= rpm + 1e-9
