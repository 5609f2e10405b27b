"""Real topic payloads, built from the SDK's own models, are taken with their declared types."""

from __future__ import annotations

import pytest

from service.coaching.schemas import EvaluationEventIn
from tests.sdk_payloads import json_keys, payload

TOPIC = "EvaluationQualityV2TopicEvaluationV2"
EVENTS = "/api/v1/events/genesys"


def real_event(**overrides):
    """A v2.quality.evaluations body with every SDK attribute filled (Python attribute names)."""
    return payload(
        TOPIC, **{"status": "Finished", "id": "e1", "conversation_id": "c1", **overrides}
    )


def test_every_topic_field_is_declared_by_our_model():
    assert json_keys(TOPIC) <= set(EvaluationEventIn.model_fields)


def test_the_sdk_payload_carries_an_integer_version():
    body = real_event()
    assert isinstance(body["version"], int) and isinstance(body["disputeCount"], int)
    assert isinstance(body["rescore"], bool)


def test_integer_version_is_accepted_and_deduplicated_by_id_and_version(client, auth):
    first = client.post(EVENTS, json=real_event(version=3), headers=auth)
    assert first.status_code == 202, first.get_json()
    assert first.get_json()["decision"] == "queued"
    again = client.post(EVENTS, json=real_event(version=3), headers=auth)
    assert (again.status_code, again.get_json()["reason"]) == (200, "event_already_processed")
    assert again.get_json()["jobId"] == first.get_json()["jobId"]
    envelope = {"topicName": "v2.quality.evaluations", "eventBody": real_event(version=3)}
    assert client.post(EVENTS, json=envelope, headers=auth).status_code == 200
    newer = client.post(EVENTS, json=real_event(version=4), headers=auth)
    assert newer.status_code == 202 and newer.get_json()["jobId"] != first.get_json()["jobId"]


@pytest.mark.parametrize("status", ["Pending", "InProgress", "InReview"])
def test_every_other_topic_status_is_taken_and_skipped(client, auth, status):
    resp = client.post(EVENTS, json=real_event(status=status), headers=auth)
    assert (resp.status_code, resp.get_json()["reason"]) == (200, "not_final")


def test_null_optional_fields_are_accepted(client, auth):
    body = {k: None for k in real_event()} | {
        "id": "e9",
        "conversationId": "c9",
        "status": "Finished",
    }
    assert client.post(EVENTS, json=body, headers=auth).status_code == 202


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("version", 3.5),
        ("version", -1),
        ("version", "three"),
        ("disputeCount", "many"),
        ("rescoreCount", [1]),
        ("mediaType", {"voice": True}),
        ("divisionIds", "d1"),
        ("eventTime", "yesterday"),
        ("scoringSet", {"totalScore": "high"}),
        ("agent", "agent-1"),
        ("retractedEvaluation", 7),
    ],
)
def test_values_of_the_wrong_type_are_400_naming_the_field(client, auth, field, value):
    body = real_event()
    body[field] = value
    resp = client.post(EVENTS, json=body, headers=auth)
    assert resp.status_code == 400 and resp.mimetype == "application/problem+json"
    assert any(e["field"].split(".")[0] == field for e in resp.get_json()["errors"])


@pytest.mark.parametrize("missing", ["id", "conversationId", "status"])
def test_the_three_keys_triage_needs_are_required(client, auth, missing):
    body = real_event()
    del body[missing]
    assert client.post(EVENTS, json=body, headers=auth).status_code == 400


# The other event endpoint: conversation detail topics into automated scoring.
DETAIL_TOPICS = {
    "acw": "AcwDetailEventTopicAfterCallWorkEvent",
    "customer.end": "CustomerEndDetailEventTopicCustomerEndEvent",
    "user.end": "UserEndDetailEventTopicUserEndEvent",
    "wrapup": "WrapupDetailEventTopicWrapupEvent",
}


@pytest.mark.parametrize("suffix", sorted(DETAIL_TOPICS))
@pytest.mark.parametrize("wrapped", [False, True])
def test_conversation_detail_topics_are_taken_by_the_scoring_endpoint(
    client, auth, suffix, wrapped
):
    body = payload(DETAIL_TOPICS[suffix], conversation_id="c1", media_type="VOICE")
    if wrapped:
        topic = f"v2.detail.events.conversation.c1.{suffix}"
        body = {"topicName": topic, "eventBody": body}
    resp = client.post("/api/v1/scoring/events", json=body, headers=auth)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status"] in ("queued", "skipped", "duplicate")
