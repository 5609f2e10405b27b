"""Fake Platform API routes: conversations, recordings, transcripts (pre-signed), analytics."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from flask import Blueprint, Response, jsonify, request

from service.fakes.genesys_http import body, fake, not_found, parse_interval, parse_time, public

Json = dict[str, Any]
media_bp = Blueprint("fake_media", __name__)


def _conversation(conversation_id: str) -> Json:
    conv = fake().org.conversations.get(conversation_id)
    if conv is None:
        raise not_found("conversation")
    return conv


@media_bp.get("/api/v2/conversations/<conversation_id>")
def get_conversation(conversation_id: str) -> Response:
    """A conversation with its participants."""
    return jsonify(public(_conversation(conversation_id)))


@media_bp.get("/api/v2/conversations/<conversation_id>/recordings")
def get_recordings(conversation_id: str) -> Response:
    """Recording metadata; ``sessionId`` is the communication id transcripts are keyed by."""
    return jsonify([_conversation(conversation_id)["_recording"]])


@media_bp.get("/api/v2/conversations/<conversation_id>/recordingmetadata")
def get_recording_metadata(conversation_id: str) -> Response:
    """``list[RecordingMetadata]``: no media; ``fileState`` DELETED once deleted."""
    return jsonify([_conversation(conversation_id)["_recording"]])


def _signature(path: str, expires: int) -> str:
    key = fake().signing_key
    return hmac.new(key, f"{path}:{expires}".encode(), hashlib.sha256).hexdigest()


@media_bp.get(
    "/api/v2/speechandtextanalytics/conversations/<conversation_id>"
    "/communications/<communication_id>/transcripturl"
)
def transcript_url(conversation_id: str, communication_id: str) -> Response:
    """A pre-signed URL to the transcript document, valid about ten minutes."""
    if f"{conversation_id}/{communication_id}" not in fake().org.transcripts:
        raise not_found("transcript")
    path = f"/__signed__/transcripts/{conversation_id}/{communication_id}.json"
    expires = int(time.time()) + fake().transcript_url_ttl
    url = f"{request.host_url.rstrip('/')}{path}?Expires={expires}&Signature="
    return jsonify({"url": url + _signature(path, expires)})


@media_bp.get("/__signed__/transcripts/<conversation_id>/<communication_id>.json")
def download_transcript(conversation_id: str, communication_id: str) -> Response:
    """The transcript document; no Authorization header, the signature and expiry are the key."""
    try:
        expires = int(request.args.get("Expires", "0"))
    except ValueError:
        expires = 0
    good = hmac.compare_digest(_signature(request.path, expires), request.args.get("Signature", ""))
    if not good or expires < time.time():
        return Response("<Error><Code>AccessDenied</Code></Error>", 403, mimetype="application/xml")
    with fake().lock:
        fake().transcript_downloads.append(dict(request.headers))
    doc = fake().org.transcripts.get(f"{conversation_id}/{communication_id}")
    if doc is None:
        return Response("<Error><Code>NoSuchKey</Code></Error>", 404, mimetype="application/xml")
    return jsonify(doc)


@media_bp.get("/api/v2/speechandtextanalytics/conversations/<conversation_id>")
def conversation_metrics(conversation_id: str) -> Response:
    """Sentiment score and trend, agent empathy and talk/silence shares."""
    return jsonify(_conversation(conversation_id)["_metrics"])


# ---------------------------------------------------------------------- analytics


def _facts(conv: Json) -> Json:
    return {
        "mediaType": conv["_mediaType"],
        "userId": conv["_agentId"],
        "queueId": conv["_queueId"],
        "direction": "inbound",
        "conversationId": conv["id"],
        "metrics": {"tTalkComplete": conv["_talkMs"]},
    }


def _range_ok(value: float | None, rng: Json) -> bool:
    if value is None:
        return False
    checks = {
        "gt": value > rng.get("gt", value - 1),
        "gte": value >= rng.get("gte", value),
        "lt": value < rng.get("lt", value + 1),
        "lte": value <= rng.get("lte", value),
    }
    return all(checks[k] for k in rng if k in checks)


def _predicate_ok(pred: Json, facts: Json) -> bool:
    if pred.get("metric"):
        return _range_ok(facts["metrics"].get(pred["metric"]), pred.get("range") or {})
    actual = facts.get(str(pred.get("dimension")))
    operator = pred.get("operator", "matches")
    if operator == "exists":
        return actual is not None
    if operator == "notExists":
        return actual is None
    return actual is not None and str(actual) == str(pred.get("value"))


def _filter_ok(flt: Json, facts: Json) -> bool:
    results = [_predicate_ok(p, facts) for p in flt.get("predicates") or []]
    results += [_filter_ok(c, facts) for c in flt.get("clauses") or []]
    if not results:
        return True
    return any(results) if flt.get("type") == "or" else all(results)


def _row(conv: Json) -> Json:
    media = conv["_mediaType"]
    start, end = conv["startTime"], conv["endTime"]
    segment = {
        "segmentStart": start,
        "segmentEnd": end,
        "segmentType": "interact",
        "queueId": conv["_queueId"],
    }
    customer, agent = conv["participants"]
    return {
        "conversationId": conv["id"],
        "conversationStart": start,
        "conversationEnd": end,
        "originatingDirection": "inbound",
        "divisionIds": ["00000000-0000-4000-8000-000000000001"],
        "participants": [
            {
                "participantId": customer["id"],
                "purpose": "customer",
                "sessions": [
                    {
                        "sessionId": conv["_communicationId"],
                        "mediaType": media,
                        "direction": "inbound",
                        "segments": [segment],
                    }
                ],
            },
            {
                "participantId": agent["id"],
                "purpose": "agent",
                "userId": conv["_agentId"],
                "participantName": agent["name"],
                "sessions": [
                    {
                        "sessionId": conv["_communicationId"],
                        "mediaType": media,
                        "direction": "inbound",
                        "recording": True,
                        "metrics": [
                            {"name": "tTalkComplete", "value": conv["_talkMs"], "emitDate": end}
                        ],
                        "segments": [segment],
                    }
                ],
            },
        ],
    }


@media_bp.post("/api/v2/analytics/conversations/details/query")
def conversation_details() -> Response:
    """Conversations in ``interval`` matching segment/session/conversation filters, paged."""
    data = body()
    first, last = parse_interval(data.get("interval"))
    filters = [
        flt
        for key in ("segmentFilters", "sessionFilters", "conversationFilters")
        for flt in data.get(key) or []
    ]
    found = [
        conv
        for conv in fake().org.conversations.values()
        if first <= parse_time(conv["startTime"], "startTime") < last
        and all(_filter_ok(flt, _facts(conv)) for flt in filters)
    ]
    found.sort(key=lambda c: c["startTime"], reverse=data.get("order") == "desc")
    paging = data.get("paging") or {}
    size = max(1, min(int(paging.get("pageSize") or 25), 100))
    number = max(1, int(paging.get("pageNumber") or 1))
    rows = [_row(c) for c in found[(number - 1) * size : number * size]]
    out: Json = {"totalHits": len(found)}
    if rows:
        out["conversations"] = rows
    return jsonify(out)
