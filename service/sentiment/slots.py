"""Choosing the coaching slot, as pure functions over plain values (no network, no database).

Two sources of candidates, both ranked best first:
- Genesys ``coaching/scheduleslots/query`` suggestions: Good, then Neutral, then Poor (Poor only
  after every better one, so never chosen while a better free slot exists), then the largest
  ``staffingDifference`` (surplus), then the earliest start.
- Computed from the agent's WFM schedule and the intraday forecast (where the query API answers
  403): 15-minute aligned starts inside a shift, overlapping no non-on-queue activity and no busy
  time of either person, never over an interval whose predicted service level is below the
  policy's target; lowest peak occupancy first, then the earliest.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

STEP = timedelta(minutes=15)
RATING_RANK = {"good": 0, "neutral": 1, "poor": 2}
Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Slot:
    """A candidate appointment: start, length and why it ranks where it does."""

    start: datetime
    minutes: int
    rating: str = ""
    difference: float = 0.0
    occupancy: float | None = None
    wfm_schedule: Any = None
    source: str = "genesys_suggested"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def end(self) -> datetime:
        """The slot's end (start plus its length)."""
        return self.start + timedelta(minutes=self.minutes)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp (``Z`` or offset; naive = UTC) or None."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def overlaps(a: Interval, b: Interval) -> bool:
    """Half-open intervals [start, end) overlap."""
    return a[0] < b[1] and b[0] < a[1]


def is_free(slot: Slot, busy: Iterable[Interval]) -> bool:
    """True when the slot overlaps none of the busy intervals."""
    return not any(overlaps((slot.start, slot.end), b) for b in busy)


def aligned(moment: datetime) -> bool:
    """On a quarter hour, to the second."""
    return moment.minute % 15 == 0 and moment.second == 0 and moment.microsecond == 0


def ceil_quarter(moment: datetime) -> datetime:
    """The first quarter hour at or after ``moment``."""
    base = moment.replace(second=0, microsecond=0)
    base -= timedelta(minutes=base.minute % 15)
    return base if base >= moment else base + STEP


def suggested(raw: Iterable[Mapping[str, Any]], minutes: int) -> list[Slot]:
    """Genesys ``suggestedSlots`` entries as ``Slot``; malformed entries are dropped."""
    out = []
    for entry in raw:
        start = parse_time(entry.get("dateStart"))
        diff = entry.get("staffingDifference")
        if start is None:
            continue
        number = float(diff) if isinstance(diff, int | float) and not isinstance(diff, bool) else 0
        out.append(
            Slot(
                start=start,
                minutes=int(entry.get("lengthInMinutes") or minutes),
                rating=str(entry.get("differenceRating") or "Poor"),
                difference=number if math.isfinite(number) else 0.0,
                wfm_schedule=entry.get("wfmSchedule"),
            )
        )
    return out


def rank_suggested(slots: Iterable[Slot]) -> list[Slot]:
    """Good, Neutral, Poor; then the largest staffing surplus; then the earliest."""
    return sorted(
        slots,
        key=lambda s: (RATING_RANK.get(s.rating.lower(), 3), -s.difference, s.start),
    )


@dataclass(frozen=True)
class Forecast:
    """Predicted occupancy and service level (0..1) of one 15-minute interval."""

    occupancy: float
    service_level: float


def _covered(start: datetime, minutes: int) -> list[datetime]:
    return [start + STEP * n for n in range(-(-minutes // 15))]


def _load(
    start: datetime, minutes: int, forecast: Mapping[datetime, Forecast], sl_target: float
) -> float | None:
    """Peak occupancy over the slot; None when an interval is unknown or below the SL target."""
    peak = 0.0
    for moment in _covered(start, minutes):
        f = forecast.get(moment)
        if f is None or f.service_level < sl_target:
            return None
        peak = max(peak, f.occupancy)
    return peak


def computed(
    shifts: Sequence[Interval],
    busy: Sequence[Interval],
    forecast: Mapping[datetime, Forecast],
    *,
    minutes: int,
    earliest: datetime,
    latest: datetime,
    sl_target: float,
) -> list[Slot]:
    """Free, aligned slots inside the shifts, ranked by peak occupancy, then start.

    ``busy`` holds the agent's non-on-queue activities (breaks, meals, coaching) and the
    facilitator's busy times; ``forecast`` is keyed by interval start (aligned, UTC).
    """
    out: list[Slot] = []
    length = timedelta(minutes=minutes)
    for shift_start, shift_end in shifts:
        cursor = ceil_quarter(max(shift_start, earliest))
        while cursor + length <= min(shift_end, latest):
            slot = Slot(cursor, minutes, source="computed")
            load = _load(cursor, minutes, forecast, sl_target) if is_free(slot, busy) else None
            if load is not None:
                out.append(Slot(cursor, minutes, occupancy=load, source="computed"))
            cursor += STEP
    return sorted(out, key=lambda s: (s.occupancy, s.start))


def business_horizon(now: datetime, business_days: int, holidays: Iterable[date] = ()) -> datetime:
    """The end of the horizon: ``business_days`` weekdays after today, never beyond 6 weeks."""
    off = set(holidays)
    day, left = now.date(), business_days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in off:
            left -= 1
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC)
    return min(end, now + timedelta(weeks=6))


def choose(candidates: Sequence[Slot], busy: Sequence[Interval]) -> list[Slot]:
    """Candidates still free against ``busy`` (an external calendar), order kept."""
    return [s for s in candidates if is_free(s, busy)]


# --- WFM documents (shapes from the SDK models BuAgentSchedulesSearchResponse, BuIntradayResponse)


def _fraction(value: Any) -> float | None:
    """A percentage or a fraction as 0..1 (Genesys ``...Percent`` fields); None when absent."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value) / 100.0 if value > 1 else float(value)


def _span(entry: Mapping[str, Any]) -> Interval | None:
    start = parse_time(entry.get("startDate"))
    minutes = entry.get("lengthMinutes")
    if start is None or not isinstance(minutes, int) or minutes <= 0:
        return None
    return start, start + timedelta(minutes=minutes)


def schedule_blocks(
    doc: Mapping[str, Any], user_id: str, on_queue_codes: set[str]
) -> tuple[list[Interval], list[Interval]]:
    """(shifts, blocked) of one agent from an agent schedules search result.

    Blocked: every activity whose code is not an on-queue code (breaks, meals, meetings,
    coaching, time off); unknown codes block, to be safe.
    """
    shifts: list[Interval] = []
    blocked: list[Interval] = []
    for schedule in doc.get("agentSchedules") or []:
        user = schedule.get("user") or {}
        if str(user.get("id") or "") != user_id:
            continue
        for shift in schedule.get("shifts") or []:
            span = _span(shift)
            if span is not None:
                shifts.append(span)
            for activity in shift.get("activities") or []:
                act = _span(activity)
                if act is not None and str(activity.get("activityCodeId")) not in on_queue_codes:
                    blocked.append(act)
    return shifts, blocked


def intraday_forecast(doc: Mapping[str, Any]) -> dict[datetime, Forecast]:
    """Per-interval forecast of a ``BuIntradayResponse``: worst service level and highest
    occupancy over its media groupings; intervals without a prediction are left out."""
    start = parse_time(doc.get("startDate"))
    length = doc.get("intervalLengthMinutes") or 15
    if start is None or not isinstance(length, int) or length <= 0:
        return {}
    out: dict[datetime, Forecast] = {}
    for group in doc.get("intradayDataGroupings") or []:
        for n, entry in enumerate(group.get("performancePredictionDataPerInterval") or []):
            sl = _fraction((entry or {}).get("serviceLevelPercent"))
            occ = _fraction((entry or {}).get("occupancyPercent"))
            if sl is None or occ is None:
                continue
            moment = start + timedelta(minutes=length * n)
            seen = out.get(moment)
            if seen is not None:
                sl, occ = min(sl, seen.service_level), max(occ, seen.occupancy)
            out[moment] = Forecast(occupancy=occ, service_level=sl)
    return out
