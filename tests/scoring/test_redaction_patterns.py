"""Redaction placeholders of many redactors: neutral for the model, never charged to the agent."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from service.llm.client import ChatResult
from service.scoring.engine import EngineConfig, score
from service.scoring.scorecard import ScorecardError, from_dict
from service.settings import Settings
from service.transcripts.rules import (
    NEUTRAL_TOKEN,
    RedactionPatternError,
    neutralize_redactions,
    redaction_regex,
)
from tests.scoring.conftest import plain

DISCLOSURE = "this call may be recorded for quality purposes"
YES_NO = [{"text": "Yes", "value": 1}, {"text": "No", "value": 0}]


def _card(**extra):
    return from_dict(
        {
            "id": "c",
            "version": "1",
            "sections": [
                {
                    "id": "s",
                    "questions": [
                        {"id": "greeting", "text": "Greeted?", "answers": YES_NO},
                        {
                            "id": "disclosure",
                            "text": "Disclosure read?",
                            "type": "phrase",
                            "phrases": [DISCLOSURE],
                            "answers": YES_NO,
                        },
                    ],
                }
            ],
            **extra,
        }
    )


class Capturing:
    """A ChatModel answering "greeting: Yes" that keeps what it was sent."""

    model = "capturing"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def complete_json(self, messages, schema, *, name, max_tokens):
        self.sent.extend(m["content"] for m in messages)
        answer = {
            "greeting": {
                "answer": "Yes",
                "evidence": [{"turn": 0, "quote": "How can I help you today?"}],
                "rationale": "greeted",
            }
        }
        return ChatResult(json.dumps(answer), "stop", self.model, 10, 5, 1.0, "json_schema")


def _transcript(disclosure_turn):
    return plain(
        ("agent", "Hi, thanks for calling! How can I help you today?"),
        ("customer", "My card number is 4111 **** **** 1234, it was declined."),
        ("agent", disclosure_turn),
        ("agent", "Let me check that card for you."),
    )


PLACEHOLDERS = [
    "[REDACTED]",
    "[redacted]",
    "[PII]",
    "[NAME]",
    "[CREDIT_CARD]",
    "[card number]",  # Genesys's own masks
    "[personal info]",
    "[Phone]",
    "******",
    "***",
    "####",
    "XXXX",
    "XXX-XX",
    "xxxx",
    "<redacted>",
    "<redacted_number>",
    "<REDACTED_PHONE>",
    "<PERSON>",
    "<PHONE_NUMBER>",
    "{{PHONE}}",
    "{{ name }}",
]


@pytest.mark.parametrize("placeholder", PLACEHOLDERS)
def test_every_default_placeholder_hides_a_disclosure_without_cost(placeholder):
    chat = Capturing()
    said = f"Sure. This call may be {placeholder} for quality purposes."
    result = score(_transcript(said), _card(), chat, EngineConfig())
    disclosure = result.items[1]
    assert disclosure.excluded and disclosure.note == "disclosure_redacted"
    assert "disclosure_redacted:disclosure" in result.review_reasons
    assert result.percentage == 100.0  # the greeting's 1 of 1; the disclosure costs nothing
    # The model never sees the placeholder, only the neutral token.
    user = chat.sent[-1]
    assert placeholder not in user and NEUTRAL_TOKEN in user


@pytest.mark.parametrize(
    "text",
    ["[NOISE]", "[INAUDIBLE]", "[inaudible]", "**", "##", "XL", "xxx", "<b>", "{PHONE}", "X"],
)
def test_text_that_is_not_a_placeholder_is_left_alone(text):
    said = f"Sure. This call may be {text} for quality purposes."
    assert neutralize_redactions(plain(("agent", said))).turns[0].text == said
    result = score(_transcript(said), _card(), Capturing(), EngineConfig())
    disclosure = result.items[1]
    assert not disclosure.excluded and disclosure.score == 0  # wording missing: a real fail
    assert result.percentage == 50.0


def test_a_said_disclosure_next_to_a_mask_still_passes():
    said = "Sure. This call may be recorded for quality purposes. Your card ****1234?"
    result = score(_transcript(said), _card(), Capturing(), EngineConfig())
    assert result.items[1].score == 1 and not result.items[1].excluded
    assert result.percentage == 100.0 and not result.needs_review


def test_patterns_from_settings_are_added_and_defaults_can_be_dropped():
    said = "Sure. This call may be ~hidden~ for quality purposes."
    extra = Settings(scoring_redaction_patterns=[r"~hidden~"])
    result = score(_transcript(said), _card(), Capturing(), EngineConfig.from_settings(extra))
    assert result.items[1].note == "disclosure_redacted"
    only = Settings(scoring_redaction_patterns=[r"~hidden~"], scoring_redaction_defaults=False)
    cfg = EngineConfig.from_settings(only)
    bracket = "Sure. This call may be [REDACTED] for quality purposes."
    result = score(_transcript(bracket), _card(), Capturing(), cfg)
    assert not result.items[1].excluded and result.items[1].score == 0


def test_settings_read_the_patterns_as_a_json_list(monkeypatch):
    monkeypatch.setenv("QM_SCORING_REDACTION_PATTERNS", r'["\\d{3,4}-hidden", "~x~"]')
    assert Settings().scoring_redaction_patterns == [r"\d{3,4}-hidden", "~x~"]


def test_patterns_from_the_scorecard_are_added():
    said = "Sure. This call may be (removed) for quality purposes."
    card = _card(redactionPatterns=[r"\(removed\)"])
    result = score(_transcript(said), card, Capturing(), EngineConfig())
    assert result.items[1].note == "disclosure_redacted"
    assert score(_transcript(said), _card(), Capturing(), EngineConfig()).items[1].score == 0


@pytest.mark.parametrize("bad", [["("], ["[a-"], "not-a-list", [""]])
def test_invalid_patterns_are_clear_errors(bad):
    with pytest.raises(ScorecardError):
        _card(redactionPatterns=bad)


def test_invalid_settings_pattern_stops_start_up():
    with pytest.raises(ValidationError, match="invalid redaction pattern"):
        Settings(scoring_redaction_patterns=["("])
    with pytest.raises(RedactionPatternError):
        redaction_regex(("(?i)late global flag", "x"))


def test_no_patterns_match_nothing():
    assert not redaction_regex(()).search("[REDACTED] ****")
