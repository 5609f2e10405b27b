"""Genesys 429/503 answers over HTTP: the shared Retry-After parser decides every wait.

The client's sleep is recorded instead of slept, so each test shows the wait it chose.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from service.fakes.genesys import FakeGenesys
from service.genesys.api import GenesysUnavailable
from service.genesys.client import GenesysClient
from service.limits.rules import MAX_RETRY_AFTER_SECONDS
from tests.fixtures_genesys import client_settings

USERS = "/api/v2/users/*"


def _http_date(seconds_from_now: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds_from_now), usegmt=True)


def _agent(fake: FakeGenesys) -> str:
    return next(u["id"] for u in fake.org.users.values() if u["state"] == "active")


def _client(fake: FakeGenesys, slept: list[float], inline: float = 60.0) -> GenesysClient:
    settings = client_settings(fake, retry_after_inline_max_seconds=inline)
    return GenesysClient(settings, sleep=slept.append)


@pytest.mark.parametrize(
    ("status", "header", "low", "high"),
    [
        (429, "3", 3.0, 3.0),
        (429, "0.25", 0.25, 0.25),
        (429, "-7", 0.0, 0.0),  # negative: at once
        (429, "{date+20}", 18.5, 20.5),  # an HTTP date (whole seconds)
        (429, "{date-30}", 0.0, 0.0),  # a date in the past: at once
        (429, "Tuesday soon", 0.0, 0.05),  # garbage: the backoff (at most 0.05 s here)
        (503, "4", 4.0, 4.0),  # a 503 may say when to come back too
        (429, "60", 60.0, 60.0),  # at the in-process cap: slept
    ],
)
def test_the_wait_is_what_the_header_says(
    fake: FakeGenesys, status: int, header: str, low: float, high: float
) -> None:
    header = header.replace("{date+20}", _http_date(20)).replace("{date-30}", _http_date(-30))
    slept: list[float] = []
    fake.faults.fail_next(1, status=status, pattern=USERS, retry_after=header)
    client = _client(fake, slept)
    assert client.get_user(_agent(fake))["state"] == "active"
    assert slept and low <= slept[0] <= high
    assert fake.calls_to(USERS) == 2


@pytest.mark.parametrize(
    ("header", "low", "high"),
    [
        ("61", 61.0, 61.0),  # just above the cap
        ("{date+120}", 118.5, 120.0),
        ("{date+7200}", MAX_RETRY_AFTER_SECONDS, MAX_RETRY_AFTER_SECONDS),  # absurd: capped
        ("99999999", MAX_RETRY_AFTER_SECONDS, MAX_RETRY_AFTER_SECONDS),
    ],
)
def test_a_longer_wait_is_handed_to_the_job_not_slept(
    fake: FakeGenesys, header: str, low: float, high: float
) -> None:
    header = header.replace("{date+120}", _http_date(120)).replace("{date+7200}", _http_date(7200))
    slept: list[float] = []
    fake.faults.fail_next(1, status=429, pattern=USERS, retry_after=header)
    with pytest.raises(GenesysUnavailable) as err:
        _client(fake, slept).get_user(_agent(fake))
    assert slept == []  # no worker held, and no early retry
    assert fake.calls_to(USERS) == 1
    assert err.value.throttled and err.value.retry_after is not None
    assert low <= err.value.retry_after <= high


def test_exhausted_short_retries_are_not_a_deferral(fake: FakeGenesys) -> None:
    slept: list[float] = []
    fake.faults.fail_next(10, status=429, pattern=USERS, retry_after=1)
    client = GenesysClient(client_settings(fake, genesys_max_retries=1), sleep=slept.append)
    with pytest.raises(GenesysUnavailable) as err:
        client.get_user(_agent(fake))
    assert not err.value.throttled  # spends an attempt: the job's backoff applies
