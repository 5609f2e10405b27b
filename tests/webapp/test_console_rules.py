"""Pure pieces of the console: a policy schema as form fields and back, durations."""

from __future__ import annotations

import pytest

from service.coaching.schemas import PolicyDoc
from service.sentiment.schemas import SentimentPolicyDoc
from service.webapp import policy_form, rules


def test_fields_follow_the_schema_without_the_key():
    fields = {f.name: f for f in policy_form.fields_for(PolicyDoc, "form_id")}
    assert "form_id" not in fields
    assert fields["threshold"].kind == "number" and fields["holidays"].kind == "list"
    assert fields["sections"].kind == "yaml" and fields["target_options"].kind == "yaml"
    assert "genesys_learning" in fields["target"].options
    sentiment = {f.name: f for f in policy_form.fields_for(SentimentPolicyDoc, "queue_id")}
    assert sentiment["enabled"].options == ("true", "false")
    assert sentiment["coach_pool"].kind == "list"


def test_a_stored_document_round_trips_through_the_form():
    doc = {
        "form_id": "f",
        "name": "Inbound",
        "threshold": 80.0,
        "holidays": ["2026-12-25", "2027-01-01"],
        "target": "local",
        "sections": {"Empathy": "m-1", "Compliance": {"module_id": "m-2", "target": "lms_webhook"}},
        "target_options": {
            "workitem_type_id": "",
            "appointment_minutes": 45,
            "facilitator_id": "",
            "add_to_schedule": False,
        },
    }
    fields = policy_form.fields_for(PolicyDoc, "form_id")
    values = policy_form.values_of(doc, fields)
    assert values["holidays"] == "2026-12-25, 2027-01-01" and values["max_open"] == ""
    parsed, errors = policy_form.candidate(PolicyDoc, "form_id", "f", values)
    assert errors == {}
    assert parsed is not None
    assert parsed.model_dump(mode="json", exclude_none=True) == doc


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"threshold": "100.01"}, "threshold", "less than or equal to 100"),
        ({"threshold": "-0.01"}, "threshold", "greater than or equal to 0"),
        ({"weekly_cap": "1.5"}, "weekly_cap", "valid integer"),
        ({"holidays": "2026-13-01"}, "holidays", "holidays"),
        ({"sections": "a: [b"}, "sections", "Not valid YAML"),
        ({"sections": "a: \x01"}, "sections", "Not valid YAML: position 4: unacceptable character"),
        ({"sections": "Empathy: {modul: x}"}, "sections", "Extra inputs"),
        ({"target": "pigeon"}, "target", "Input should be"),
    ],
)
def test_errors_by_field(form, field, message):
    parsed, errors = policy_form.candidate(PolicyDoc, "form_id", "f", form)
    assert parsed is None and message in f"{field} {errors[field]}"


@pytest.mark.parametrize(("value", "ok"), [("100", True), ("0", True), ("100.0", True)])
def test_threshold_boundaries_pass(value, ok):
    parsed, errors = policy_form.candidate(PolicyDoc, "form_id", "f", {"threshold": value})
    assert (parsed is not None) is ok and errors == {}


def test_the_key_itself_is_checked():
    parsed, errors = policy_form.candidate(PolicyDoc, "form_id", "x" * 129, {})
    assert parsed is None and "_document" in errors


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "0 s"),
        (0, "0 s"),
        (59, "59 s"),
        (60, "1 min"),
        (3599, "59 min"),
        (3600, "1 h"),
        (86399, "23 h"),
        (86400, "1 d"),
        (90 * 86400, "90 d"),
    ],
)
def test_age_text(seconds, text):
    assert rules.age_text(seconds) == text
