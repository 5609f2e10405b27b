"""Date-times and intervals: the one helper we send with, and a fake as strict as the API docs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import requests

from service.fakes.genesys import FakeGenesys
from service.genesys.formats import (
    DATETIME_PATTERN,
    end_of_day,
    genesys_datetime,
    genesys_interval,
    parse_genesys_datetime,
)

# --- the helper ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 11, 20, 9, 5, 7, tzinfo=UTC), "2026-11-20T09:05:07.000Z"),
        (datetime(2026, 11, 20, 9, 5, 7, 123456, tzinfo=UTC), "2026-11-20T09:05:07.123Z"),
        (datetime(2026, 11, 20, 9, 5, 7, 999999, tzinfo=UTC), "2026-11-20T09:05:07.999Z"),
        (datetime(2026, 11, 20, 9, 5, 7, 999), "2026-11-20T09:05:07.000Z"),  # naive is UTC
        (
            datetime(2026, 11, 20, 1, 0, tzinfo=timezone(timedelta(hours=2))),
            "2026-11-19T23:00:00.000Z",
        ),
        (date(2026, 11, 20), "2026-11-20T00:00:00.000Z"),
    ],
)
def test_genesys_datetime(value, expected):
    assert genesys_datetime(value) == expected
    assert DATETIME_PATTERN.match(expected)


def test_interval_and_end_of_day():
    start = datetime(2026, 11, 20, 9, 0, 0, 500000, tzinfo=UTC)
    assert genesys_interval(start, start) == "2026-11-20T09:00:00.500Z/2026-11-20T09:00:00.500Z"
    assert genesys_interval(date(2026, 11, 20), date(2026, 11, 21)) == (
        "2026-11-20T00:00:00.000Z/2026-11-21T00:00:00.000Z"
    )
    with pytest.raises(ValueError):
        genesys_interval(start, start - timedelta(microseconds=1000))
    assert end_of_day(date(2026, 12, 31)) == "2026-12-31T23:59:59.000Z"


@pytest.mark.parametrize(
    "text",
    ["2026-11-20T09:00:00Z", "2026-11-20T09:00:00.1Z", "2026-11-20T09:00:00.123Z"],
)
def test_documented_forms_parse(text):
    assert parse_genesys_datetime(text).tzinfo is not None


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-20",
        "2026-11-20T09:00:00",
        "2026-11-20T09:00:00+00:00",
        "2026-11-20T09:00:00.123456Z",
        "2026-11-20T09:00:00.123456+00:00",
        "2026-11-20T09:00Z",
        "2026-11-20 09:00:00Z",
        "",
    ],
)
def test_other_forms_do_not_parse(text):
    with pytest.raises(ValueError):
        parse_genesys_datetime(text)


# --- the fake takes what the API documents, and 400s the rest --------------------------------

SOON = (datetime.now(UTC) + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
LATER = SOON + timedelta(days=1)
GOOD_INTERVALS = [
    genesys_interval(SOON, LATER),
    f"{SOON:%Y-%m-%dT%H:%M:%S}/{LATER:%Y-%m-%dT%H:%M:%S}",  # the SDK's own example, no zone
    f"{SOON:%Y-%m-%dT%H:%M:%S}Z/{LATER:%Y-%m-%dT%H:%M:%S}Z",
]
BAD_INTERVALS = [
    f"{SOON.date()}/{LATER.date()}",  # date-only: what the appointment lookup used to send
    f"{SOON.isoformat()}/{LATER.isoformat()}",  # +00:00
    f"{SOON.replace(microsecond=5).isoformat()}/{LATER.isoformat()}",  # microseconds
    genesys_datetime(SOON),  # no end
    genesys_interval(SOON, LATER) + "/" + genesys_datetime(LATER),  # three parts
    genesys_interval(SOON, SOON),  # empty
    f"{genesys_datetime(LATER)}/{genesys_datetime(SOON)}",  # reversed
    "P1D",
]
GOOD_TIMES = [genesys_datetime(SOON), f"{SOON:%Y-%m-%dT%H:%M:%S}Z"]
BAD_TIMES = [
    str(SOON.date()),
    SOON.isoformat(),
    SOON.replace(microsecond=123456).isoformat().replace("+00:00", "Z"),
    f"{SOON:%Y-%m-%dT%H:%M:%S}",
    "tomorrow",
]


@pytest.fixture
def api(fake: FakeGenesys):
    """A requests session on the fake with a token."""
    s = requests.Session()
    token = s.post(
        f"{fake.url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(fake.client_id, fake.client_secret),
        timeout=5,
    ).json()["access_token"]
    s.headers["Authorization"] = f"Bearer {token}"
    yield s
    s.close()


def _agent(fake: FakeGenesys) -> str:
    return next(u for u in fake.org.agents if fake.org.users[u]["state"] == "active")


def _list_appointments(fake, api, interval):
    params = {"userIds": _agent(fake), "interval": interval}
    return api.get(f"{fake.url}/api/v2/coaching/appointments", params=params, timeout=5)


def _slots(fake, api, interval):
    body = {"interval": interval, "lengthInMinutes": 30, "attendeeIds": [_agent(fake)]}
    return api.post(f"{fake.url}/api/v2/coaching/scheduleslots/query", json=body, timeout=5)


def _details(fake, api, interval):
    body = {"interval": interval, "paging": {"pageSize": 5, "pageNumber": 1}}
    url = f"{fake.url}/api/v2/analytics/conversations/details/query"
    return api.post(url, json=body, timeout=5)


INTERVAL_ENDPOINTS = [_list_appointments, _slots, _details]


@pytest.mark.parametrize("endpoint", INTERVAL_ENDPOINTS, ids=lambda f: f.__name__)
def test_intervals_in_the_documented_form_are_taken(fake, api, endpoint):
    for interval in GOOD_INTERVALS:
        resp = endpoint(fake, api, interval)
        assert resp.status_code == 200, (interval, resp.text)


@pytest.mark.parametrize("endpoint", INTERVAL_ENDPOINTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("interval", BAD_INTERVALS)
def test_other_intervals_are_400_like_genesys(fake, api, endpoint, interval):
    resp = endpoint(fake, api, interval)
    assert resp.status_code == 400, resp.text
    assert "interval" in resp.json()["message"]


def _appointment(fake, api, when):
    body = {
        "name": "Coaching",
        "description": "d",
        "dateStart": when,
        "lengthInMinutes": 30,
        "attendeeIds": [_agent(fake)],
    }
    return api.post(f"{fake.url}/api/v2/coaching/appointments", json=body, timeout=5)


def _learning(fake, api, when):
    module = next(iter(fake.org.modules))
    body = {"moduleId": module, "userId": _agent(fake), "recommendedCompletionDate": when}
    return api.post(f"{fake.url}/api/v2/learning/assignments", json=body, timeout=5)


def _workitem(fake, api, when):
    body = {"name": "Coaching", "typeId": next(iter(fake.org.worktypes)), "dateDue": when}
    return api.post(f"{fake.url}/api/v2/taskmanagement/workitems", json=body, timeout=5)


def _evaluations(fake, api, when):
    params = {"agentUserId": _agent(fake), "startTime": when}
    return api.get(f"{fake.url}/api/v2/quality/evaluations/query", params=params, timeout=5)


TIME_ENDPOINTS = [_appointment, _learning, _workitem, _evaluations]


@pytest.mark.parametrize("endpoint", TIME_ENDPOINTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("when", GOOD_TIMES)
def test_datetimes_in_the_documented_form_are_taken(fake, api, endpoint, when):
    resp = endpoint(fake, api, when)
    assert resp.status_code == 200, resp.text


@pytest.mark.parametrize("endpoint", TIME_ENDPOINTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("when", BAD_TIMES)
def test_other_datetimes_are_400_like_genesys(fake, api, endpoint, when):
    resp = endpoint(fake, api, when)
    assert resp.status_code == 400, resp.text


def test_a_workitem_due_more_than_a_year_ahead_is_400(fake, api):
    assert _workitem(fake, api, genesys_datetime(SOON + timedelta(days=366))).status_code == 400
    assert _workitem(fake, api, genesys_datetime(SOON + timedelta(days=360))).status_code == 200
