"""Slot choice: ranking tables and a property test over random schedules, forecasts, calendars."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from service.sentiment import slots
from service.sentiment.slots import Forecast, Slot

DAY = datetime(2026, 12, 1, tzinfo=UTC)  # a Tuesday


def at(hour: float) -> datetime:
    return DAY + timedelta(hours=hour)


def test_good_before_neutral_before_poor_then_surplus_then_earliest() -> None:
    raw = [
        {"dateStart": "2026-12-01T09:00:00Z", "differenceRating": "Poor", "staffingDifference": 9},
        {
            "dateStart": "2026-12-01T10:00:00Z",
            "differenceRating": "Neutral",
            "staffingDifference": 1,
        },
        {"dateStart": "2026-12-01T11:00:00Z", "differenceRating": "Good", "staffingDifference": 2},
        {"dateStart": "2026-12-01T12:00:00Z", "differenceRating": "Good", "staffingDifference": 5},
        {"dateStart": "2026-12-01T08:00:00Z", "differenceRating": "Good", "staffingDifference": 5},
    ]
    ranked = slots.rank_suggested(slots.suggested(raw, 30))
    assert [s.start.hour for s in ranked] == [8, 12, 11, 10, 9]


def test_poor_only_when_nothing_better_is_free() -> None:
    raw = [
        {"dateStart": "2026-12-01T09:00:00Z", "differenceRating": "Poor", "staffingDifference": 0},
        {"dateStart": "2026-12-01T10:00:00Z", "differenceRating": "Good", "staffingDifference": 3},
    ]
    ranked = slots.rank_suggested(slots.suggested(raw, 30))
    assert slots.choose(ranked, [])[0].rating == "Good"
    busy = [(at(10), at(10.5))]  # the facilitator's calendar blocks the Good one
    assert slots.choose(ranked, busy)[0].rating == "Poor"


def test_malformed_suggestions_are_dropped() -> None:
    raw = [{"dateStart": "not a date"}, {"dateStart": "2026-12-01T09:00:00Z"}]
    assert len(slots.suggested(raw, 30)) == 1


FORECAST = {at(8 + q / 4): Forecast(occupancy=0.9, service_level=0.85) for q in range(40)}


def test_computed_picks_the_lowest_occupancy_inside_the_shift() -> None:
    forecast = dict(FORECAST)
    forecast[at(13)] = Forecast(0.5, 0.9)
    forecast[at(13.25)] = Forecast(0.4, 0.9)
    found = slots.computed(
        [(at(8), at(17))], [], forecast, minutes=30, earliest=at(7), latest=at(20), sl_target=0.8
    )
    assert found[0].start == at(13) and found[0].occupancy == 0.5


def test_computed_never_below_the_service_level_target() -> None:
    forecast = dict(FORECAST)
    forecast[at(13)] = Forecast(0.1, 0.79)  # quiet but below target
    found = slots.computed(
        [(at(8), at(17))], [], forecast, minutes=15, earliest=at(7), latest=at(20), sl_target=0.8
    )
    assert all(s.start != at(13) for s in found)
    at_target = dict(FORECAST)
    at_target[at(13)] = Forecast(0.1, 0.8)  # exactly at the target is allowed
    found = slots.computed(
        [(at(8), at(17))], [], at_target, minutes=15, earliest=at(7), latest=at(20), sl_target=0.8
    )
    assert found[0].start == at(13)


def test_computed_avoids_breaks_and_aligns_to_quarter_hours() -> None:
    found = slots.computed(
        [(at(8.1), at(10))],
        [(at(8.5), at(9))],
        FORECAST,
        minutes=30,
        earliest=at(0),
        latest=at(24),
        sl_target=0.8,
    )
    assert [s.start for s in found] == [at(9), at(9.25), at(9.5)]


def test_horizon_counts_business_days_and_stops_at_six_weeks() -> None:
    friday = datetime(2026, 12, 4, 15, tzinfo=UTC)
    assert slots.business_horizon(friday, 1) == datetime(2026, 12, 8, tzinfo=UTC)
    assert slots.business_horizon(friday, 60) == friday + timedelta(weeks=6)


def test_wfm_documents_are_read() -> None:
    schedule = {
        "agentSchedules": [
            {
                "user": {"id": "a1"},
                "shifts": [
                    {
                        "startDate": "2026-12-01T08:00:00Z",
                        "lengthMinutes": 480,
                        "activities": [
                            {
                                "startDate": "2026-12-01T08:00:00Z",
                                "lengthMinutes": 240,
                                "activityCodeId": "0",
                            },
                            {
                                "startDate": "2026-12-01T12:00:00Z",
                                "lengthMinutes": 30,
                                "activityCodeId": "2",
                            },
                        ],
                    }
                ],
            },
            {
                "user": {"id": "other"},
                "shifts": [{"startDate": "2026-12-01T00:00:00Z", "lengthMinutes": 60}],
            },
        ]
    }
    shifts, blocked = slots.schedule_blocks(schedule, "a1", {"0"})
    assert shifts == [(at(8), at(16))] and blocked == [(at(12), at(12.5))]
    intraday = {
        "startDate": "2026-12-01T08:00:00Z",
        "intervalLengthMinutes": 15,
        "intradayDataGroupings": [
            {
                "performancePredictionDataPerInterval": [
                    {"serviceLevelPercent": 85, "occupancyPercent": 70}
                ]
            },
            {
                "performancePredictionDataPerInterval": [
                    {"serviceLevelPercent": 0.9, "occupancyPercent": 0.8}
                ]
            },
        ],
    }
    assert slots.intraday_forecast(intraday) == {at(8): Forecast(occupancy=0.8, service_level=0.85)}


# --- property: the chosen slot is valid and no better one exists ----------------------------

quarters = st.integers(min_value=0, max_value=96)


@st.composite
def worlds(draw):
    shift_start = draw(st.integers(min_value=0, max_value=40))
    shift_len = draw(st.integers(min_value=2, max_value=48))
    shift = (
        DAY + timedelta(minutes=15 * shift_start),
        DAY + timedelta(minutes=15 * (shift_start + shift_len)),
    )
    offset = timedelta(minutes=draw(st.integers(min_value=0, max_value=14)))
    shift = (shift[0] + offset, shift[1] + offset)  # shifts need not start on a quarter hour
    busy = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        start = DAY + timedelta(minutes=draw(st.integers(min_value=0, max_value=24 * 60)))
        busy.append(
            (start, start + timedelta(minutes=draw(st.integers(min_value=1, max_value=120))))
        )
    forecast = {}
    for q in range(96):
        if draw(st.booleans()) or q % 3:
            forecast[DAY + timedelta(minutes=15 * q)] = Forecast(
                occupancy=draw(st.floats(min_value=0, max_value=1)),
                service_level=draw(st.floats(min_value=0, max_value=1)),
            )
    minutes = draw(st.sampled_from([15, 30, 45, 60]))
    target = draw(st.floats(min_value=0, max_value=1))
    return shift, busy, forecast, minutes, target


def feasible(start, minutes, shift, busy, forecast, target) -> float | None:
    end = start + timedelta(minutes=minutes)
    if start < shift[0] or end > shift[1] or not slots.aligned(start):
        return None
    if any(start < b[1] and b[0] < end for b in busy):
        return None
    peaks = []
    moment = start
    while moment < end:
        f = forecast.get(moment)
        if f is None or f.service_level < target:
            return None
        peaks.append(f.occupancy)
        moment += timedelta(minutes=15)
    return max(peaks)


@settings(max_examples=200, deadline=None)
@given(worlds())
def test_computed_choice_is_inside_free_aligned_and_best(world) -> None:
    shift, busy, forecast, minutes, target = world
    found = slots.computed(
        [shift],
        busy,
        forecast,
        minutes=minutes,
        earliest=DAY,
        latest=DAY + timedelta(days=2),
        sl_target=target,
    )
    brute = {}
    for q in range(0, 24 * 4 + 8):
        start = DAY + timedelta(minutes=15 * q)
        load = feasible(start, minutes, shift, busy, forecast, target)
        if load is not None:
            brute[start] = load
    if not found:
        assert brute == {}
        return
    best = found[0]
    assert shift[0] <= best.start and best.end <= shift[1]
    assert slots.aligned(best.start)
    assert slots.is_free(best, busy)
    assert best.start in brute and best.occupancy == brute[best.start]
    assert all(load >= best.occupancy for load in brute.values())
    assert len(found) == len(brute)


@st.composite
def suggestions(draw):
    out = []
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        out.append(
            Slot(
                start=DAY + timedelta(minutes=15 * draw(st.integers(min_value=0, max_value=80))),
                minutes=draw(st.sampled_from([15, 30, 60])),
                rating=draw(st.sampled_from(["Good", "Neutral", "Poor"])),
                difference=draw(st.floats(min_value=-10, max_value=10)),
            )
        )
    busy = []
    for _ in range(draw(st.integers(min_value=0, max_value=5))):
        start = DAY + timedelta(minutes=draw(st.integers(min_value=0, max_value=20 * 60)))
        busy.append(
            (start, start + timedelta(minutes=draw(st.integers(min_value=1, max_value=180))))
        )
    return out, busy


@settings(max_examples=200, deadline=None)
@given(suggestions())
def test_suggested_choice_is_free_and_no_better_rated_free_slot_exists(world) -> None:
    raw, busy = world
    chosen = slots.choose(slots.rank_suggested(raw), busy)
    free = [s for s in raw if slots.is_free(s, busy)]
    if not chosen:
        assert free == []
        return
    best = chosen[0]
    assert slots.is_free(best, busy)
    rank = slots.RATING_RANK
    for other in free:
        assert rank[other.rating.lower()] >= rank[best.rating.lower()]
        if other.rating == best.rating:
            assert other.difference <= best.difference
