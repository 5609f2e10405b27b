"""The fake scheduleslots/query: slots from its WFM schedules, forecast and appointments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.fakes import genesys_slots
from service.fakes.genesys import FakeGenesys
from service.genesys.client import GenesysClient
from service.genesys.formats import (
    DATETIME_PATTERN,
    genesys_datetime,
    genesys_interval,
    parse_genesys_datetime,
)

_TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
DAY = _TODAY + timedelta(days=(1 - _TODAY.weekday()) % 7 or 7)  # the next Tuesday


@pytest.mark.parametrize(
    ("difference", "rating"),
    [(-0.01, "Poor"), (0.0, "Neutral"), (1.99, "Neutral"), (2.0, "Good"), (2.6, "Good")],
)
def test_difference_rating_thresholds(difference: float, rating: str) -> None:
    assert genesys_slots.difference_rating(difference) == rating


def test_staffing_difference_is_the_worst_interval_of_the_slot() -> None:
    # 09:45-10:15 covers the 10:00 interval (72 % predicted): (72 - 80) / 5.
    assert genesys_slots.staffing_difference(DAY.replace(hour=9, minute=45), 30) == -1.6
    assert genesys_slots.staffing_difference(DAY.replace(hour=9, minute=15), 30) == 1.2
    assert genesys_slots.staffing_difference(DAY.replace(hour=15), 60) == 2.6


def _query(gclient: GenesysClient, day: datetime, attendees: list[str], **extra) -> list[dict]:
    body = {
        "interval": genesys_interval(day, day + timedelta(days=1)),
        "lengthInMinutes": 30,
        "attendeeIds": attendees,
        **extra,
    }
    return gclient.query_schedule_slots(body)["suggestedSlots"]


def _starts(slots: list[dict]) -> dict[datetime, dict]:
    return {parse_genesys_datetime(s["dateStart"]): s for s in slots}


def test_slots_lie_in_on_queue_shift_time_on_quarter_hours(
    fake: FakeGenesys, gclient: GenesysClient
) -> None:
    slots = _starts(_query(gclient, DAY, [fake.org.agents[0]]))
    assert all(DATETIME_PATTERN.match(s["dateStart"]) for s in slots.values())
    assert all(t.minute % 15 == 0 and t.second == 0 for t in slots)
    at = lambda h, m=0: DAY.replace(hour=h, minute=m)  # noqa: E731
    assert min(slots) == at(8) and max(slots) == at(15, 30)  # shift 08:00-16:00
    # meal 12:00-12:30 and break 14:00-14:15 are never covered
    for start in (at(11, 45), at(12), at(13, 45), at(14)):
        assert start not in slots
    assert at(12, 30) in slots and at(14, 15) in slots
    assert slots[at(10)]["differenceRating"] == "Poor"
    assert slots[at(9)]["differenceRating"] == "Neutral"
    assert slots[at(15)]["differenceRating"] == "Good"


def test_weekend_has_no_shift_and_no_slot(fake: FakeGenesys, gclient: GenesysClient) -> None:
    saturday = DAY + timedelta(days=4)
    assert _query(gclient, saturday, [fake.org.agents[0]]) == []


def test_facilitator_appointments_block_the_slot(fake: FakeGenesys, gclient: GenesysClient) -> None:
    agent, other = fake.org.agents[1], fake.org.agents[2]
    day = DAY + timedelta(days=1)
    gclient.create_coaching_appointment(
        {
            "name": "Coaching",
            "description": "d",
            "dateStart": genesys_datetime(day.replace(hour=9)),
            "lengthInMinutes": 30,
            "attendeeIds": [other],
        }
    )
    alone = _starts(_query(gclient, day, [agent]))
    with_facilitator = _starts(_query(gclient, day, [agent], facilitatorIds=[other]))
    blocked = {day.replace(hour=8, minute=45), day.replace(hour=9), day.replace(hour=9, minute=15)}
    assert blocked <= set(alone)
    assert not blocked & set(with_facilitator)
    assert set(with_facilitator) == set(alone) - blocked


def test_slots_response_matches_the_sdk(fake: FakeGenesys, gclient: GenesysClient) -> None:
    pytest.importorskip("PureCloudPlatformClientV2")
    from tests.genesys.test_genesys_sdk_models import check

    body = {
        "interval": genesys_interval(DAY, DAY + timedelta(days=1)),
        "lengthInMinutes": 45,
        "attendeeIds": [fake.org.agents[0]],
    }
    model = check(gclient.query_schedule_slots(body), "CoachingSlotsResponse")
    assert model.suggested_slots and model.suggested_slots[0].length_in_minutes == 45
    assert {s.difference_rating for s in model.suggested_slots} == {"Poor", "Neutral", "Good"}
