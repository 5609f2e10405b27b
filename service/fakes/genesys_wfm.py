"""Fake WFM routes: agents' units, asynchronous schedule search, activity codes, intraday.

Shapes follow the SDK models (``BuAsyncAgentSchedulesSearchResponse`` with ``downloadUrl``,
``BuAgentScheduleSearchResponse`` shifts and activities, ``AsyncIntradayResponse`` /
``BuIntradayResponse`` with ``performancePredictionDataPerInterval``). Every agent works
weekdays 08:00-16:00 UTC: on queue, a 12:00 meal, a 14:00 break, plus a ``Coaching`` activity for
each appointment booked in the fake (appointments are added to the schedule). The forecast is
busiest at 10:00-11:00 (service level below 80 %) and quietest at 15:00-16:00.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, request

from service.fakes.genesys import FakeError, fake
from service.fakes.genesys_org import iso
from service.fakes.genesys_routes import body, not_found, parse_time

Json = dict[str, Any]
wfm_bp = Blueprint("fake_wfm", __name__)

BU, MU = "bu-fake-1", "mu-fake-1"
ON_QUEUE, BREAK, MEAL, COACHING = "0", "1", "2", "3"
CODES = [
    {"id": ON_QUEUE, "name": "On Queue Work", "category": "OnQueueWork"},
    {"id": BREAK, "name": "Break", "category": "Break"},
    {"id": MEAL, "name": "Meal", "category": "Meal"},
    {"id": COACHING, "name": "Coaching", "category": "Training"},
]
_DOWNLOADS: dict[str, Json] = {}


def _user(agent_id: str) -> Json:
    user = fake().org.users.get(agent_id)
    if user is None:
        raise not_found("user")
    return user


@wfm_bp.get("/api/v2/workforcemanagement/agents/<agent_id>/managementunit")
def agent_unit(agent_id: str) -> Response:
    """The agent's management unit and business unit (one of each in the fake)."""
    _user(agent_id)
    return jsonify(
        {
            "user": {"id": agent_id},
            "managementUnit": {"id": MU},
            "businessUnit": {"id": BU},
        }
    )


@wfm_bp.get("/api/v2/workforcemanagement/businessunits/<bu>/activitycodes")
def activity_codes(bu: str) -> Response:
    """The business unit's activity codes."""
    if bu != BU:
        raise not_found("business unit")
    return jsonify({"entities": CODES})


def _activity(start: datetime, minutes: int, code: str, kind: str | None = None) -> Json:
    out: Json = {"startDate": iso(start), "lengthMinutes": minutes, "activityCodeId": code}
    if kind:
        out["externalActivityType"] = kind
    return out


def _coaching(agent_id: str, day: date) -> list[Json]:
    out = []
    with fake().lock:
        for a in fake().appointments.values():
            people = {p["id"] for p in a.get("attendees") or []}
            if a.get("facilitator"):
                people.add(a["facilitator"]["id"])
            start = parse_time(a["dateStart"], "dateStart")
            if agent_id in people and start.date() == day and a.get("status") != "Cancelled":
                out.append(_activity(start, int(a["lengthInMinutes"]), COACHING, "Coaching"))
    return out


def shift_for(agent_id: str, day: date) -> Json | None:
    """The agent's shift on ``day`` (weekdays only)."""
    if day.weekday() >= 5:
        return None
    start = datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
    at = lambda h: start + timedelta(hours=h)  # noqa: E731
    activities = [
        _activity(at(0), 240, ON_QUEUE),
        _activity(at(4), 30, MEAL),
        _activity(at(4.5), 90, ON_QUEUE),
        _activity(at(6), 15, BREAK),
        _activity(at(6.25), 105, ON_QUEUE),
        *_coaching(agent_id, day),
    ]
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{agent_id}/{day}")),
        "startDate": iso(start),
        "lengthMinutes": 480,
        "activities": activities,
    }


def _days(first: datetime, last: datetime) -> list[date]:
    days, day = [], first.date()
    while datetime(day.year, day.month, day.day, tzinfo=UTC) < last:
        days.append(day)
        day += timedelta(days=1)
    return days


@wfm_bp.post("/api/v2/workforcemanagement/businessunits/<bu>/agentschedules/search")
def search_schedules(bu: str) -> Response:
    """Asynchronous search: answers ``Complete`` with a ``downloadUrl`` to the result."""
    if bu != BU:
        raise not_found("business unit")
    data = body()
    first, last = (
        parse_time(data.get("startDate"), "startDate"),
        parse_time(data.get("endDate"), "endDate"),
    )
    if last <= first or last - first > timedelta(days=50):
        raise FakeError(400, "bad.request", "endDate must be after startDate, within 50 days")
    schedules = []
    for uid in [str(u) for u in data.get("userIds") or []]:
        _user(uid)
        shifts = [s for d in _days(first, last) if (s := shift_for(uid, d)) is not None]
        schedules.append({"user": {"id": uid}, "shifts": shifts, "fullDayTimeOffMarkers": []})
    op = str(uuid.uuid4())
    _DOWNLOADS[op] = {
        "agentSchedules": schedules,
        "businessUnitTimeZone": "UTC",
        "publishedSchedules": [],
    }
    url = f"{request.host_url.rstrip('/')}/__signed__/wfm/downloads/{op}"
    return jsonify({"status": "Complete", "operationId": op, "downloadUrl": url})


@wfm_bp.get("/__signed__/wfm/downloads/<op>")
def download(op: str) -> Response:
    """The pre-signed download of an asynchronous result (no auth, like a storage URL)."""
    doc = _DOWNLOADS.pop(op, None)
    if doc is None:
        raise not_found("download")
    return jsonify(doc)


def predicted(moment: datetime) -> tuple[float, float]:
    """(service level %, occupancy %) of the 15-minute interval starting at ``moment``."""
    hour = moment.hour + moment.minute / 60
    if 10 <= hour < 11:
        return 72.0, 97.0
    if 15 <= hour < 16:
        return 93.0, 55.0 + (moment.minute % 30) / 3
    return 86.0, 80.0 + (moment.minute // 15)


@wfm_bp.post("/api/v2/workforcemanagement/businessunits/<bu>/intraday")
def intraday(bu: str) -> Response:
    """Intraday forecast for one business unit date, 15-minute intervals, one Voice grouping."""
    if bu != BU:
        raise not_found("business unit")
    data = body()
    try:
        day = date.fromisoformat(str(data.get("businessUnitDate")))
    except ValueError:
        raise FakeError(400, "bad.request", "businessUnitDate must be a date") from None
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    per_interval = []
    for n in range(96):
        sl, occ = predicted(start + timedelta(minutes=15 * n))
        per_interval.append(
            {"serviceLevelPercent": sl, "averageSpeedOfAnswerSeconds": 20, "occupancyPercent": occ}
        )
    result = {
        "startDate": iso(start),
        "endDate": iso(start + timedelta(days=1)),
        "intervalLengthMinutes": 15,
        "categories": ["PerformancePredictionData"],
        "intradayDataGroupings": [
            {"mediaType": "Voice", "performancePredictionDataPerInterval": per_interval}
        ],
    }
    return jsonify({"status": "Complete", "operationId": str(uuid.uuid4()), "result": result})
