"""Fake Platform API: reading and deleting what the coaching targets created.

``GET``/``DELETE`` of a learning assignment, a workitem and a coaching appointment, as the
Platform API offers them (``DELETE /api/v2/learning/assignments/{id}``,
``DELETE /api/v2/taskmanagement/workitems/{id}``, ``DELETE /api/v2/coaching/appointments/{id}``).
Tests move an item along (``state`` ``InProgress``, ``statusCategory`` ``Closed``, ...) by
changing the fake's dictionaries directly.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from service.fakes.genesys_http import Json, fake, not_found

lifecycle_bp = Blueprint("fake_lifecycle", __name__, url_prefix="/api/v2")

KINDS = {
    "learning/assignments": ("learning_assignments", "learning assignment"),
    "taskmanagement/workitems": ("workitems", "workitem"),
    "coaching/appointments": ("appointments", "appointment"),
}


def _store(kind: str) -> dict[str, Json]:
    store: dict[str, Json] = getattr(fake(), KINDS[kind][0])
    return store


@lifecycle_bp.get("/learning/assignments/<item_id>", defaults={"kind": "learning/assignments"})
@lifecycle_bp.get(
    "/taskmanagement/workitems/<item_id>", defaults={"kind": "taskmanagement/workitems"}
)
def get_item(kind: str, item_id: str) -> Response:
    """One learning assignment or workitem."""
    item = _store(kind).get(item_id)
    if item is None:
        raise not_found(KINDS[kind][1])
    return jsonify(item)


@lifecycle_bp.delete("/learning/assignments/<item_id>", defaults={"kind": "learning/assignments"})
@lifecycle_bp.delete(
    "/taskmanagement/workitems/<item_id>", defaults={"kind": "taskmanagement/workitems"}
)
@lifecycle_bp.delete("/coaching/appointments/<item_id>", defaults={"kind": "coaching/appointments"})
def delete_item(kind: str, item_id: str) -> Response:
    """Delete one item: 204 (appointments answer a reference), 404 when it is not there."""
    f = fake()
    with f.lock:
        item = _store(kind).pop(item_id, None)
    if item is None:
        raise not_found(KINDS[kind][1])
    f.deleted.append({"kind": kind, "id": item_id})
    if kind == "coaching/appointments":
        return jsonify({"id": item_id, "selfUri": f"/api/v2/coaching/appointments/{item_id}"})
    return Response(status=204)
