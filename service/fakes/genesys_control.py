"""``/__fake__/...`` control endpoints of the fake Genesys: faults, inspection, reset."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from service.fakes.genesys_deletions import delete_conversation, delete_recording
from service.fakes.genesys_http import FakeError, fake, not_found

control_bp = Blueprint("fake_control", __name__, url_prefix="/__fake__")


@control_bp.get("/org")
def org() -> Response:
    """The sample org: users, forms, evaluations, conversations, modules, worktypes."""
    return jsonify(fake().org.summary())


@control_bp.get("/calls")
def calls() -> Response:
    """Requests per ``METHOD route`` since the last reset."""
    f = fake()
    with f.lock:
        return jsonify(dict(f.calls))


@control_bp.get("/created")
def created() -> Response:
    """Learning assignments, workitems, appointments, evaluations and calibrations created."""
    return jsonify(fake().created())


@control_bp.post("/faults")
def faults() -> Response:
    """Turn a fault switch on: ``{"kind": "fail", "n": 2, "status": 503, "pattern": "/api/*"}``."""
    params = request.get_json(silent=True) or {}
    try:
        fake().faults.apply(str(params.get("kind", "")), params)
    except (ValueError, TypeError) as exc:
        raise FakeError(400, "bad.request", str(exc)) from None
    return jsonify({"ok": True})


@control_bp.post("/revoke-tokens")
def revoke_tokens() -> Response:
    """Invalidate every issued token."""
    fake().revoke_tokens()
    return jsonify({"ok": True})


@control_bp.post("/reset")
def reset() -> Response:
    """Back to the freshly built org."""
    fake().reset()
    return jsonify({"ok": True})


@control_bp.post("/conversations/<conversation_id>/delete")
def conversation_delete(conversation_id: str) -> Response:
    """Delete a conversation in the org (no event is sent, as in Genesys)."""
    if not delete_conversation(fake(), conversation_id):
        raise not_found("conversation")
    return jsonify({"ok": True})


@control_bp.post("/conversations/<conversation_id>/recordings/delete")
def recording_delete(conversation_id: str) -> Response:
    """Delete a conversation's recording (and its transcript); the conversation stays."""
    if not delete_recording(fake(), conversation_id):
        raise not_found("conversation")
    return jsonify({"ok": True})
