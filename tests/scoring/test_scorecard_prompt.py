"""Scorecards (YAML and Genesys forms), versioning, the prompt and its JSON Schema."""

from __future__ import annotations

import copy

import jsonschema
import pytest

from service.scoring.prompt import PROMPTS, PromptCache, build_prompt, render_transcript
from service.scoring.scorecard import ScorecardError, from_dict, from_genesys_form
from tests.scoring.conftest import plain

FORM = {
    "id": "form-v1",
    "contextId": "ctx-1",
    "name": "Voice QA",
    "weightMode": "SCALED",
    "questionGroups": [
        {
            "id": "g1",
            "name": "Compliance",
            "weight": 40,
            "questions": [
                {
                    "id": "q1",
                    "text": "Recording disclosure",
                    "helpText": 'Verbatim: "this call may be recorded"',
                    "type": "multipleChoiceQuestion",
                    "isKill": True,
                    "answerOptions": [
                        {"id": "a1", "text": "Yes", "value": 1},
                        {"id": "a2", "text": "No", "value": 0},
                    ],
                },
                {"id": "q-free", "text": "Notes", "type": "freeTextQuestion", "answerOptions": []},
            ],
        },
        {
            "id": "g2",
            "name": "Empathy",
            "weight": 20,
            "questions": [
                {
                    "id": "q2",
                    "text": "Did the agent show empathy?",
                    "naEnabled": True,
                    "isCritical": True,
                    "answerOptions": [
                        {"id": "b1", "text": "Yes", "value": 5},
                        {"id": "b2", "text": "Somewhat", "value": 3},
                        {"id": "b3", "text": "No", "value": 0},
                    ],
                }
            ],
        },
    ],
}


def test_genesys_form_becomes_a_scorecard():
    card = from_genesys_form(FORM)
    assert card.id == "ctx-1" and card.version == "form-v1" and card.source == "genesys"
    q1, q2 = card.questions  # the free-text question carries no points and is left out
    assert q1.kind == "phrase" and q1.phrases == ("this call may be recorded",) and q1.is_kill
    assert q2.kind == "llm" and q2.na_enabled and q2.is_critical and q2.best.id == "b1"
    assert ("g2", "q2", "b3") in card.id_pairs()


def test_form_change_makes_a_new_version_and_prompt():
    card = from_genesys_form(FORM)
    changed = copy.deepcopy(FORM)
    changed["id"] = "form-v2"
    changed["questionGroups"][1]["questions"][0]["text"] = "Did the agent acknowledge feelings?"
    new = from_genesys_form(changed)
    assert new.fingerprint != card.fingerprint
    assert build_prompt(new).version != build_prompt(card).version
    cache = PromptCache()
    cache.get(card)
    assert cache.get(new).system != build_prompt(card).system and len(cache) == 1
    cache.invalidate("ctx-1")
    assert len(cache) == 0


def test_schema_is_strict_and_enforces_the_options(card):
    prompt = build_prompt(card)
    schema = prompt.schema
    assert schema["additionalProperties"] is False
    assert schema["required"] == list(schema["properties"])
    for item in schema["properties"].values():
        assert item["additionalProperties"] is False
        assert item["required"] == ["answer", "evidence", "rationale"]
    assert schema["properties"]["resolution"]["properties"]["answer"]["enum"] == [
        "Yes",
        "No",
        "N/A",
    ]
    assert "N/A" not in schema["properties"]["greeting"]["properties"]["answer"]["enum"]
    good = {q: {"answer": "No", "evidence": [], "rationale": ""} for q in schema["properties"]}
    jsonschema.validate(good, schema)
    for bad in (
        {**good, "extra": {}},
        {k: v for k, v in good.items() if k != "greeting"},
        {**good, "greeting": {"answer": "Maybe", "evidence": [], "rationale": ""}},
        {
            **good,
            "greeting": {
                "answer": "No",
                "evidence": [{"turn": "1", "quote": "x"}],
                "rationale": "",
            },
        },
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_system_prompt_rules(card):
    system = build_prompt(card).system
    for needle in ("No evidence means no credit", "[CUSTOMER_DATA]", "Return only the JSON"):
        assert needle in system
    assert "greeting" in system and "recording-disclosure" not in system
    assert PROMPTS.get(card) is PROMPTS.get(card)


def test_transcript_rendering_is_numbered_roles_only():
    text = render_transcript(plain(("agent", "Hi"), ("customer", "Hello")))
    assert text.splitlines()[1:] == ["[0] AGENT: Hi", "[1] CUSTOMER: Hello"]


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"id": "x", "sections": [{"id": "s", "questions": [{"id": "q", "text": "t"}]}]},
        {
            "id": "x",
            "sections": [
                {
                    "id": "s",
                    "questions": [
                        {"id": "q", "text": "t", "answers": [{"text": "Yes", "value": 1}]}
                    ],
                }
            ],
        },
        {
            "id": "x",
            "sections": [
                {
                    "id": "s",
                    "questions": [
                        {
                            "id": "q",
                            "text": "t",
                            "type": "phrase",
                            "answers": [{"text": "Yes", "value": 1}, {"text": "No", "value": 0}],
                        }
                    ],
                }
            ],
        },
        {
            "id": "x",
            "sections": [
                {
                    "id": "s",
                    "questions": [
                        {
                            "id": "q",
                            "text": "t",
                            "answers": [{"text": "Y", "value": "lots"}, {"text": "N", "value": 0}],
                        }
                    ],
                }
            ],
        },
    ],
)
def test_bad_yaml_scorecards_are_rejected(bad):
    with pytest.raises(ScorecardError):
        from_dict(bad)
