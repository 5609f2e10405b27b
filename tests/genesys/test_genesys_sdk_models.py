"""Every payload the fake serves deserializes into the matching Genesys SDK model.

The SDK silently ignores unknown keys and turns unknown enum values into
``"outdated_sdk_version"``, so besides deserializing we walk each payload along the model's
``attribute_map`` and fail on any key the model does not know, and on any rejected enum value.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

sdk = pytest.importorskip("PureCloudPlatformClientV2")

from service.fakes.genesys import FakeGenesys, error_body  # noqa: E402
from service.genesys.api import GenesysNotFound  # noqa: E402
from service.genesys.client import GenesysClient  # noqa: E402
from service.genesys.formats import genesys_datetime, genesys_interval  # noqa: E402

_PRIMITIVES = {"str", "int", "float", "bool", "date", "datetime", "object", "LocalDateTime"}


class _Response:
    """What ``ApiClient.deserialize`` expects from urllib3."""

    def __init__(self, payload: Any) -> None:
        self.data = json.dumps(payload)

    def getheader(self, name: str) -> str:
        return "application/json"


def parse(payload: Any, klass: str) -> Any:
    """Deserialize like the SDK does with a real response."""
    return sdk.ApiClient().deserialize(_Response(payload), klass)


def unknown_keys(payload: Any, klass: str, path: str = "$") -> list[str]:
    """JSON paths of keys the SDK model (recursively) does not declare."""
    if payload is None or klass in _PRIMITIVES:
        return []
    inner = re.match(r"list\[(.*)\]$", klass)
    if inner:
        return [
            k
            for i, item in enumerate(payload)
            for k in unknown_keys(item, inner.group(1), f"{path}[{i}]")
        ]
    inner = re.match(r"dict\(([^,]*), (.*)\)$", klass)
    if inner:
        return [
            k
            for key, item in payload.items()
            for k in unknown_keys(item, inner.group(2), f"{path}.{key}")
        ]
    model = getattr(sdk.models, klass)()
    by_json = {json_key: attr for attr, json_key in model.attribute_map.items()}
    found = []
    for key, value in payload.items():
        if key not in by_json:
            found.append(f"{path}.{key}")
        else:
            found += unknown_keys(value, model.swagger_types[by_json[key]], f"{path}.{key}")
    return found


def outdated(obj: Any, path: str = "$") -> list[str]:
    """Paths where the SDK rejected an enum value."""
    if isinstance(obj, str):
        return [path] if obj == "outdated_sdk_version" else []
    if isinstance(obj, list):
        return [p for i, item in enumerate(obj) for p in outdated(item, f"{path}[{i}]")]
    if hasattr(obj, "swagger_types"):
        return [
            p for attr in obj.swagger_types for p in outdated(getattr(obj, attr), f"{path}.{attr}")
        ]
    return []


def check(payload: Any, klass: str) -> Any:
    """Parse strictly: no unknown keys, no rejected enum values; return the model."""
    assert unknown_keys(payload, klass) == []
    model = parse(payload, klass)
    assert outdated(model) == []
    return model


@pytest.fixture
def org(fake: FakeGenesys) -> Any:
    return fake.org


def test_users(org: Any, gclient: GenesysClient) -> None:
    for user_id, user in org.users.items():
        model = check(gclient.get_user(user_id), "User")
        assert (model.id, model.state, model.name) == (user_id, user["state"], user["name"])
        if user_id in org.agents:
            assert model.manager.id == user["manager"]["id"]


def test_user_listing_pages(org: Any, gclient: GenesysClient) -> None:
    seen = []
    for number in (1, 2):
        listing = gclient.request(
            "GET", "/api/v2/users", params={"state": "any", "pageSize": 10, "pageNumber": number}
        )
        model = check(listing, "UserEntityListing")
        assert model.total == len(org.users) and model.page_count == 2
        seen += [u.id for u in model.entities]
    assert sorted(seen) == sorted(org.users)
    active = gclient.request("GET", "/api/v2/users", params={"pageSize": 100})
    check(active, "UserEntityListing")
    assert {u["state"] for u in active["entities"]} == {"active"}


def test_learning_modules(org: Any, gclient: GenesysClient) -> None:
    for module_id, module in org.modules.items():
        found = gclient.request("GET", f"/api/v2/learning/modules/{module_id}")
        model = check(found, "LearningModule")
        assert (model.id, model.name) == (module_id, module["name"])


def test_published_forms(org: Any, gclient: GenesysClient) -> None:
    for form_id in org.forms:
        model = check(gclient.get_published_form(form_id), "EvaluationFormResponse")
        assert model.weight_mode in ("SCALED", "OFF") and model.context_id
        group = model.question_groups[0]
        assert group.weight is not None and group.na_enabled is not None
        question = group.questions[0]
        assert question.is_kill is not None and question.is_critical is not None
        assert all(isinstance(o.value, int) for o in question.answer_options)


def test_evaluations_and_scoring_sets(org: Any, gclient: GenesysClient) -> None:
    for ev in list(org.evaluations.values())[:12]:
        payload = gclient.get_evaluation(ev["conversation"]["id"], ev["id"])
        model = check(payload, "EvaluationResponse")
        assert model.status == ev["status"] and model.agent.name
        assert model.evaluation_form.question_groups
        answers = model.answers
        assert answers.total_score == pytest.approx(ev["answers"]["totalScore"])
        for group in answers.question_group_scores:
            assert group.question_group_id and group.max_total_score_unweighted is not None
            for q in group.question_scores:
                assert q.question_id and q.marked_na is not None
        check(
            gclient.score_evaluation(payload["evaluationForm"], payload["answers"]),
            "EvaluationScoringSet",
        )


def test_created_and_updated_evaluation(org: Any, gclient: GenesysClient) -> None:
    form = next(iter(org.forms.values()))
    group = form["questionGroups"][0]
    answers = {
        "questionGroupScores": [
            {
                "questionGroupId": group["id"],
                "questionScores": [
                    {"questionId": q["id"], "answerId": q["answerOptions"][0]["id"], "score": 1}
                    for q in group["questions"]
                ],
            }
        ]
    }
    body = {
        "evaluationForm": {"id": form["id"]},
        "agent": {"id": org.agents[0]},
        "evaluator": {"id": org.evaluators[0]},
        "status": "INPROGRESS",
        "answers": answers,
    }
    conv = next(iter(org.conversations))
    created = gclient.create_evaluation(conv, body, "sdk-parse-key")
    model = check(created, "Evaluation")
    assert model.status == "INPROGRESS" and model.answers.question_group_scores
    check(created, "EvaluationResponse")
    updated = gclient.update_evaluation(conv, created["id"], {"status": "FINISHED"})
    assert check(updated, "Evaluation").status == "FINISHED"


def test_evaluation_query_page(org: Any, gclient: GenesysClient) -> None:
    page = gclient.query_evaluations(
        {"agentUserId": org.agents[0], "expandAnswerTotalScores": "true"}
    )
    model = check(page, "EvaluationEntityListing")
    assert model.total == len(model.entities) and model.entities[0].answers.total_score >= 0


def test_created_objects(org: Any, gclient: GenesysClient) -> None:
    agent = org.agents[0]
    module = next(iter(org.modules))
    learning = gclient.create_learning_assignment(
        {"moduleId": module, "userId": agent, "recommendedCompletionDate": "2030-01-01T00:00:00Z"}
    )
    assert check(learning, "LearningAssignment").module.id == module
    listing = gclient.request("GET", "/api/v2/learning/assignments", params={"userId": agent})
    assert check(listing, "LearningAssignmentsDomainEntity").entities[0].user.id == agent
    item = gclient.create_workitem(
        {
            "name": "Coaching",
            "typeId": next(iter(org.worktypes)),
            "assigneeId": agent,
            "externalTag": "ev-1",
            "customFields": {"section_text": "Empathy"},
        }
    )
    assert check(item, "Workitem").external_tag == "ev-1"
    found = gclient.request(
        "POST",
        "/api/v2/taskmanagement/workitems/query",
        json={"filters": [{"name": "externalTag", "operator": "EQ", "values": ["ev-1"]}]},
    )
    assert check(found, "WorkitemPostQueryEntityListing").entities[0].id == item["id"]
    start = genesys_datetime(datetime.now(UTC) + timedelta(days=2))
    appointment = gclient.create_coaching_appointment(
        {
            "name": "Coaching",
            "description": "Empathy",
            "dateStart": start,
            "lengthInMinutes": 30,
            "attendeeIds": [agent],
            "facilitatorId": org.supervisors[0],
        }
    )
    model = check(appointment, "CoachingAppointmentResponse")
    assert model.attendees[0].id == agent and model.length_in_minutes == 30
    day = datetime.now(UTC) + timedelta(days=3)
    slots = gclient.query_schedule_slots(
        {
            "interval": genesys_interval(day, day + timedelta(days=1)),
            "lengthInMinutes": 30,
            "attendeeIds": [agent],
        }
    )
    assert check(slots, "CoachingSlotsResponse").suggested_slots[0].difference_rating


def test_calibration(org: Any, gclient: GenesysClient) -> None:
    conv = next(iter(org.conversations))
    created = gclient.create_calibration(
        {
            "conversation": {"id": conv},
            "evaluationForm": {"id": next(iter(org.forms))},
            "evaluators": [{"id": org.evaluators[0]}],
            "expertEvaluator": {"id": org.evaluators[0]},
        }
    )
    model = check(gclient.get_calibration(created["id"]), "Calibration")
    assert model.conversation.id == conv and model.expert_evaluator.id == org.evaluators[0]


def test_conversations_recordings_and_speech_analytics(org: Any, gclient: GenesysClient) -> None:
    conv = next(c for c in org.conversations.values() if c["_mediaType"] == "voice")
    model = check(gclient.get_conversation(conv["id"]), "Conversation")
    assert {p.purpose for p in model.participants} == {"customer", "agent"}
    recordings = check(gclient.get_recordings(conv["id"]), "list[Recording]")
    assert recordings[0].session_id == conv["_communicationId"]
    url = gclient.request(
        "GET",
        (
            f"/api/v2/speechandtextanalytics/conversations/{conv['id']}"
            f"/communications/{conv['_communicationId']}/transcripturl"
        ),
    )
    assert check(url, "TranscriptUrl").url.startswith("http://127.0.0.1")
    metrics = check(gclient.get_conversation_analytics(conv["id"]), "ConversationMetrics")
    assert metrics.sentiment_trend_class and metrics.empathy_scores[0].user_id == conv["_agentId"]
    assert metrics.participant_metrics.agent_duration_percentage > 0


def test_recording_metadata_before_and_after_a_deletion(
    fake: FakeGenesys, org: Any, gclient: GenesysClient
) -> None:
    from service.fakes.genesys_deletions import delete_conversation, delete_recording

    conv_id = next(iter(org.conversations))
    path = f"/api/v2/conversations/{conv_id}/recordingmetadata"
    before = check(gclient.request("GET", path), "list[RecordingMetadata]")
    assert before[0].file_state == "AVAILABLE" and before[0].delete_date is None
    delete_recording(fake, conv_id)
    after = check(gclient.request("GET", path), "list[RecordingMetadata]")
    assert after[0].file_state == "DELETED" and after[0].delete_date is not None
    delete_conversation(fake, conv_id)
    with pytest.raises(GenesysNotFound):
        gclient.get_conversation(conv_id)


def test_analytics_details_query(org: Any, gclient: GenesysClient) -> None:
    now = datetime.now(UTC)
    page = gclient.query_conversation_details(
        {
            "interval": genesys_interval(now - timedelta(days=40), now),
            "paging": {"pageSize": 50, "pageNumber": 1},
        }
    )
    model = check(page, "AnalyticsConversationQueryResponse")
    assert model.total_hits == len(org.conversations)
    session = model.conversations[0].participants[1].sessions[0]
    assert session.media_type in ("voice", "chat") and session.metrics[0].name == "tTalkComplete"


def test_error_body() -> None:
    model = check(error_body(409, "coaching.appointment.conflict", "overlap"), "ErrorBody")
    assert (model.status, model.code) == (409, "coaching.appointment.conflict")


def test_a_wrong_key_is_caught() -> None:
    assert unknown_keys({"id": "u", "stat": "active"}, "User") == ["$.stat"]
    assert outdated(parse({"id": "e", "status": "DONE"}, "EvaluationResponse")) == ["$.status"]
