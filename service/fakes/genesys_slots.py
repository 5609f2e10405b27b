"""The fake's ``coaching/scheduleslots/query``: suggestions from its own WFM data and appointments.

A suggested slot (SDK ``CoachingSlot`` in a ``CoachingSlotsResponse``):
- starts on a quarter hour (UTC) inside the interval and ends inside it;
- lies inside every attendee's shift (``genesys_wfm.shift_for``: weekdays 08:00-16:00 UTC) and
  covers only on-queue work there (no meal, break or coaching activity);
- overlaps no appointment (not cancelled) of any attendee or facilitator;
- ``staffingDifference`` is the worst (lowest) over the slot's 15-minute intervals of
  ``(serviceLevelPercent - 80) / 5`` from the fake intraday forecast (``genesys_wfm.predicted``):
  each 5 points of service level above the 80 % target count as one spare agent;
- ``differenceRating`` (Genesys documents no thresholds; this is our choice): ``Poor`` below 0
  (understaffed), ``Good`` at or above 2, ``Neutral`` in between.
Slots come in start order, at most ``MAX_SLOTS``; ``dateStart`` is ``genesys_datetime``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from service.fakes.genesys_http import parse_time
from service.fakes.genesys_wfm import ON_QUEUE, predicted, shift_for
from service.genesys.formats import genesys_datetime

Json = dict[str, Any]
Window = tuple[datetime, datetime]
STEP = timedelta(minutes=15)
MAX_SLOTS = 50
SERVICE_LEVEL_TARGET = 80.0
POINTS_PER_AGENT = 5.0
GOOD_AT = 2.0


def difference_rating(difference: float) -> str:
    """``Poor`` when < 0, ``Good`` when >= ``GOOD_AT`` (2.0), else ``Neutral``."""
    if difference < 0:
        return "Poor"
    return "Good" if difference >= GOOD_AT else "Neutral"


def staffing_difference(start: datetime, minutes: int) -> float:
    """Lowest ``(service level % - 80) / 5`` over the slot's 15-minute forecast intervals."""
    steps = range(0, minutes, 15)
    levels = [predicted(start + timedelta(minutes=m))[0] for m in steps]
    return round((min(levels) - SERVICE_LEVEL_TARGET) / POINTS_PER_AGENT, 2)


def _on_queue_windows(agent_id: str, day: date) -> list[Window]:
    """The agent's shift minus every non-on-queue activity, as [start, end) windows."""
    shift = shift_for(agent_id, day)
    if shift is None:
        return []
    start = parse_time(shift["startDate"], "startDate")
    free = [(start, start + timedelta(minutes=int(shift["lengthMinutes"])))]
    for act in shift["activities"]:
        if act["activityCodeId"] == ON_QUEUE:
            continue
        a0 = parse_time(act["startDate"], "startDate")
        a1 = a0 + timedelta(minutes=int(act["lengthMinutes"]))
        free = [piece for w in free for piece in _cut(w, (a0, a1))]
    return free


def _cut(window: Window, hole: Window) -> list[Window]:
    out = []
    if window[0] < hole[0]:
        out.append((window[0], min(window[1], hole[0])))
    if hole[1] < window[1]:
        out.append((max(window[0], hole[1]), window[1]))
    return [w for w in out if w[0] < w[1]]


def _fits(windows: list[Window], start: datetime, end: datetime) -> bool:
    return any(w[0] <= start and end <= w[1] for w in windows)


def suggest(
    attendees: list[str],
    facilitators: list[str],
    window: Window,
    minutes: int,
    busy: Callable[[set[str], datetime, datetime], object],
) -> list[Json]:
    """Suggested slots (``CoachingSlot`` dicts) for a ``minutes``-long appointment in ``window``.

    ``busy(people, start, end)`` is truthy when one of ``people`` has an appointment overlapping
    [start, end). Raises nothing; an empty list means nothing fits.
    """
    first, last = window
    length = timedelta(minutes=minutes)
    cursor = first.replace(minute=first.minute - first.minute % 15, second=0, microsecond=0)
    if cursor < first:
        cursor += STEP
    people = set(attendees) | set(facilitators)
    shifts: dict[tuple[str, date], list[Window]] = {}
    slots: list[Json] = []
    while cursor + length <= last and len(slots) < MAX_SLOTS:
        end = cursor + length
        day = cursor.date()
        inside = all(
            _fits(shifts.setdefault((a, day), _on_queue_windows(a, day)), cursor, end)
            for a in attendees
        )
        if inside and not busy(people, cursor, end):
            diff = staffing_difference(cursor, minutes)
            slots.append(
                {
                    "dateStart": genesys_datetime(cursor),
                    "lengthInMinutes": minutes,
                    "staffingDifference": diff,
                    "differenceRating": difference_rating(diff),
                }
            )
        cursor += STEP
    return slots
