"""Fake Platform API routes for coaching targets: learning, workitems, coaching appointments."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, request

from service.fakes import genesys_slots
from service.fakes.genesys_http import (
    FakeError,
    body,
    fake,
    not_found,
    now,
    page,
    parse_interval,
    parse_time,
)
from service.fakes.genesys_org import iso

Json = dict[str, Any]
targets_bp = Blueprint("fake_targets", __name__, url_prefix="/api/v2")

APPOINTMENT_MAX_MINUTES = 60
APPOINTMENT_MAX_AHEAD = timedelta(weeks=6)


def _active_user(user_id: str, field: str) -> Json:
    user = fake().org.users.get(user_id)
    if user is None or user["state"] == "deleted":
        raise FakeError(400, "invalid.user", f"{field} {user_id!r} is not a valid user")
    if user["state"] != "active":
        raise FakeError(400, "user.inactive", f"{field} {user_id!r} is not an active user")
    return user


# ---------------------------------------------------------------------- learning


@targets_bp.get("/learning/modules/<module_id>")
def get_learning_module(module_id: str) -> Response:
    """A learning module (``LearningModule``)."""
    module = fake().org.modules.get(module_id)
    if module is None:
        raise not_found("learning module")
    return jsonify(module)


@targets_bp.post("/learning/assignments")
def create_learning_assignment() -> Response:
    """Assign a learning module to an active user."""
    f = fake()
    data = body()
    module = f.org.modules.get(str(data.get("moduleId") or ""))
    if module is None:
        raise FakeError(400, "learning.module.not.found", "moduleId is not a published module")
    user_id = str(data.get("userId") or "")
    _active_user(user_id, "userId")
    aid = str(uuid.uuid4())
    stamp = iso(now())
    recommended = data.get("recommendedCompletionDate")
    assignment = {
        "id": aid,
        "state": "Assigned",
        "module": module,
        "user": {"id": user_id, "selfUri": f"/api/v2/users/{user_id}"},
        "dateCreated": stamp,
        "dateModified": stamp,
        "dateRecommendedForCompletion": iso(parse_time(recommended, "recommendedCompletionDate"))
        if recommended
        else None,
        "isOverdue": False,
        "isManual": True,
        "isRule": False,
        "isPassed": False,
        "isLatest": True,
        "percentageScore": 0.0,
        "completionPercentage": 0.0,
        "lengthInMinutes": module["lengthInMinutes"],
        "version": 1,
        "selfUri": f"/api/v2/learning/assignments/{aid}",
    }
    with f.lock:
        f.learning_assignments[aid] = assignment
    return jsonify(assignment)


@targets_bp.get("/learning/assignments")
def list_learning_assignments() -> Response:
    """Assignments filtered by ``userId`` and ``moduleId``, paged."""
    user_id, module_id = request.args.get("userId"), request.args.get("moduleId")
    items = [
        a
        for a in list(fake().learning_assignments.values())
        if (not user_id or a["user"]["id"] == user_id)
        and (not module_id or a["module"]["id"] == module_id)
    ]
    return jsonify(page(items))


# ---------------------------------------------------------------------- workitems

WORKITEM_MAX_AHEAD = timedelta(days=365)


def _check_workitem(data: Json) -> Json:
    name = data.get("name")
    if not isinstance(name, str) or not 3 <= len(name) <= 256:
        raise FakeError(400, "bad.request", "name must be 3 to 256 characters")
    worktype = fake().org.worktypes.get(str(data.get("typeId") or ""))
    if worktype is None:
        raise FakeError(400, "bad.request", "typeId must be an existing worktype")
    description = data.get("description") or ""
    if len(description) > 512:
        raise FakeError(400, "bad.request", "description must be at most 512 characters")
    if data.get("assigneeId"):
        _active_user(str(data["assigneeId"]), "assigneeId")
    for field in ("dateDue", "dateExpiry"):
        if (
            data.get(field) is not None
            and parse_time(data[field], field) > now() + WORKITEM_MAX_AHEAD
        ):
            raise FakeError(400, "bad.request", f"{field} cannot be more than 365 days ahead")
    return worktype


@targets_bp.post("/taskmanagement/workitems")
def create_workitem() -> Response:
    """Create a workitem (name 3..256, typeId required, description up to 512)."""
    f = fake()
    data = body()
    worktype = _check_workitem(data)
    wid = str(uuid.uuid4())
    stamp = iso(now())
    assignee = data.get("assigneeId")
    workitem = {
        "id": wid,
        "name": data["name"],
        "type": {"id": worktype["id"], "name": worktype["name"], "selfUri": worktype["selfUri"]},
        "description": data.get("description"),
        "priority": int(data.get("priority") or 5),
        "dateCreated": stamp,
        "dateModified": stamp,
        "dateDue": data.get("dateDue"),
        "status": {"id": "open", "name": "Open"},
        "statusCategory": "Open",
        "assignee": {"id": assignee, "name": f.org.users[assignee]["name"]} if assignee else None,
        "externalTag": data.get("externalTag"),
        "customFields": data.get("customFields"),
        "division": {"id": "00000000-0000-4000-8000-000000000001", "name": "Home"},
        "selfUri": f"/api/v2/taskmanagement/workitems/{wid}",
    }
    with f.lock:
        f.workitems[wid] = workitem
    return jsonify(workitem)


_FILTER_FIELDS = {
    "externalTag": lambda w: w.get("externalTag"),
    "typeId": lambda w: w["type"]["id"],
    "assigneeId": lambda w: (w.get("assignee") or {}).get("id"),
    "statusCategory": lambda w: w.get("statusCategory"),
}


def _match(workitem: Json, flt: Json) -> bool:
    getter = _FILTER_FIELDS.get(str(flt.get("name")))
    if getter is None:
        raise FakeError(400, "bad.request", f"cannot filter on {flt.get('name')!r}")
    values = [str(v) for v in flt.get("values") or []]
    operator = str(flt.get("operator", "EQ")).upper()
    actual = getter(workitem)
    if operator in ("EQ", "IN"):
        return actual is not None and str(actual) in values
    if operator == "NEQ":
        return actual is None or str(actual) not in values
    raise FakeError(400, "bad.request", f"operator {operator} is not supported")


@targets_bp.post("/taskmanagement/workitems/query")
def query_workitems() -> Response:
    """Workitems matching every filter (externalTag, typeId, assigneeId, statusCategory)."""
    data = body()
    filters = data.get("filters") or []
    if not filters:
        raise FakeError(400, "bad.request", "at least one filter is required")
    found = [w for w in list(fake().workitems.values()) if all(_match(w, flt) for flt in filters)]
    size = max(1, min(int(data.get("pageSize") or 25), 200))
    return jsonify({"entities": found[:size], "count": len(found[:size])})


# ---------------------------------------------------------------------- coaching


def _window(appointment: Json) -> tuple[datetime, datetime]:
    start = parse_time(appointment["dateStart"], "dateStart")
    return start, start + timedelta(minutes=int(appointment["lengthInMinutes"]))


def _people(appointment: Json) -> set[str]:
    people = {a["id"] for a in appointment.get("attendees") or []}
    if appointment.get("facilitator"):
        people.add(appointment["facilitator"]["id"])
    return people


def _conflict(people: set[str], start: datetime, end: datetime) -> Json | None:
    for existing in list(fake().appointments.values()):
        if existing.get("status") == "Cancelled" or not people & _people(existing):
            continue
        other_start, other_end = _window(existing)
        if start < other_end and other_start < end:
            return existing
    return None


def _check_appointment(data: Json) -> tuple[datetime, int, list[str], str | None]:
    missing = [
        k
        for k in ("name", "description", "dateStart", "lengthInMinutes", "attendeeIds")
        if not data.get(k)
    ]
    if missing:
        raise FakeError(400, "bad.request", f"missing required fields: {', '.join(missing)}")
    start = parse_time(data["dateStart"], "dateStart")
    length = int(data["lengthInMinutes"])
    if not 1 <= length <= APPOINTMENT_MAX_MINUTES:
        raise FakeError(400, "bad.request", "lengthInMinutes must be between 1 and 60")
    if start > now() + APPOINTMENT_MAX_AHEAD:
        raise FakeError(400, "bad.request", "appointments can be at most six weeks ahead")
    attendees = [str(a) for a in data["attendeeIds"]]
    for attendee in attendees:
        _active_user(attendee, "attendeeIds")
    facilitator = str(data["facilitatorId"]) if data.get("facilitatorId") else None
    if facilitator:
        _active_user(facilitator, "facilitatorId")
    return start, length, attendees, facilitator


@targets_bp.post("/coaching/appointments")
def create_appointment() -> Response:
    """Create an appointment; refuses (409) one overlapping any attendee's or facilitator's."""
    f = fake()
    data = body()
    start, length, attendees, facilitator = _check_appointment(data)
    people = set(attendees) | ({facilitator} if facilitator else set())
    aid = str(uuid.uuid4())
    stamp = iso(now())
    appointment = {
        "id": aid,
        "name": data["name"],
        "description": data["description"],
        "dateStart": iso(start),
        "lengthInMinutes": length,
        "status": "Scheduled",
        "facilitator": {"id": facilitator, "selfUri": f"/api/v2/users/{facilitator}"}
        if facilitator
        else None,
        "attendees": [{"id": a, "selfUri": f"/api/v2/users/{a}"} for a in attendees],
        "dateCreated": stamp,
        "dateModified": stamp,
        "conversations": [{"id": c} for c in data.get("conversationIds") or []],
        "documents": [],
        "isOverdue": False,
        "wfmSchedule": data.get("wfmSchedule"),
        "selfUri": f"/api/v2/coaching/appointments/{aid}",
    }
    with f.lock:
        clash = _conflict(people, start, start + timedelta(minutes=length))
        if clash:
            raise FakeError(
                409,
                "coaching.appointment.conflict",
                f"The appointment overlaps appointment {clash['id']}",
            )
        f.appointments[aid] = appointment
    return jsonify(appointment)


@targets_bp.get("/coaching/appointments")
def list_appointments() -> Response:
    """Appointments of ``userIds`` (attendee or facilitator) starting inside ``interval``."""
    users = {u for u in request.args.get("userIds", "").split(",") if u}
    if not users:
        raise FakeError(400, "bad.request", "userIds is required")
    text = request.args.get("interval", "")
    window = parse_interval(text) if text else None
    with fake().lock:
        found = [
            a for a in fake().appointments.values() if users & _people_of(a) and _inside(a, window)
        ]
    return jsonify(
        {
            "entities": found,
            "pageSize": len(found) or 25,
            "pageNumber": 1,
            "total": len(found),
            "pageCount": 1,
        }
    )


def _inside(appointment: Json, window: tuple[datetime, datetime] | None) -> bool:
    if window is None:
        return True
    return window[0] <= parse_time(appointment["dateStart"], "dateStart") < window[1]


def _people_of(appointment: Json) -> set[str]:
    people = {a["id"] for a in appointment.get("attendees") or []}
    if appointment.get("facilitator"):
        people.add(appointment["facilitator"]["id"])
    return people


@targets_bp.post("/coaching/scheduleslots/query")
def query_slots() -> Response:
    """Suggested free slots from the fake's WFM schedules and forecast (see ``genesys_slots``)."""
    data = body()
    length = int(data.get("lengthInMinutes") or 30)
    if length % 15 or not 15 <= length <= 60:
        raise FakeError(400, "bad.request", "lengthInMinutes must be 15, 30, 45 or 60")
    window = parse_interval(data.get("interval"))
    attendees = [str(p) for p in data.get("attendeeIds") or []]
    facilitators = [str(p) for p in data.get("facilitatorIds") or []]
    with fake().lock:
        slots = genesys_slots.suggest(attendees, facilitators, window, length, _conflict)
    return jsonify(
        {
            "suggestedSlots": slots,
            "attendeeSchedules": [],
            "facilitatorSchedules": [],
            "wfmScheduleActivities": [],
        }
    )


@targets_bp.get("/coaching/appointments/<appointment_id>")
def get_appointment(appointment_id: str) -> Response:
    """One appointment."""
    appointment = fake().appointments.get(appointment_id)
    if appointment is None:
        raise not_found("appointment")
    return jsonify(appointment)
