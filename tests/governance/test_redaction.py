"""Personal data never reaches the LLM: typed placeholders, counted as redaction."""

from __future__ import annotations

import json

import pytest

from service.governance.redaction import Redactor
from service.governance.rules import PLACEHOLDER_RE, Span, apply_spans, merge_spans
from service.scoring.engine import EngineConfig, score
from service.transcripts.rules import NEUTRAL_TOKEN, redaction_regex
from tests.scoring.conftest import EXAMPLES, plain

PLANTED = {
    "name": "Crystal Minh",
    "first": "Crystal",
    "username": "cminh730",
    "email": "cminh730@email.com",
    "order": "3348917502",
    "phone": "(977) 625-2661",
    "card": "4111 1111 1111 1111",
    "ssn": "536-22-8726",
    "street": "6821 1st ave",
    "zip": "75227",
    "iban": "DE89 3704 0044 0532 0130 00",
}

TURNS = (
    ("agent", "Hi, thanks for contacting us! How can I help you today?"),
    ("customer", "I need to return an item I bought."),
    ("agent", "Sure. This chat may be recorded for quality purposes."),
    ("agent", "May I have your full name, username and order ID to verify your account please?"),
    ("customer", "Crystal Minh, cminh730, order 3348917502"),
    ("customer", "email cminh730@email.com and my phone is (977) 625-2661"),
    ("customer", "I live at 6821 1st ave, zip code 75227"),
    ("customer", "pay it back on card 4111 1111 1111 1111 or IBAN DE89 3704 0044 0532 0130 00"),
    ("customer", "my social is 536-22-8726 if you need it"),
    ("agent", "Thanks Crystal. Our policy allows returns within 90 days; yours qualifies."),
    ("agent", "I have processed the return. Is there anything else I can help you with?"),
    ("customer", "No, that's all. Thanks!"),
)


def test_no_planted_datum_reaches_the_fake_llm(fake_llm, card):
    result = score(plain(*TURNS), card, fake_llm.chat(), EngineConfig())
    assert result.calls, "the model was asked"
    sent = json.dumps(fake_llm.bodies[-len(result.calls) :])
    for kind, value in PLANTED.items():
        assert value.lower() not in sent.lower(), kind
    # the transcript still reached the model, with the neutral token in place of the data
    assert NEUTRAL_TOKEN in sent and "processed the return" in sent


def test_evidence_is_verified_and_stored_against_the_redacted_text(fake_llm, card):
    result = score(plain(*TURNS), card, fake_llm.chat(), EngineConfig())
    quotes = [e.quote for i in result.items for e in i.evidence]
    assert quotes and all(e.verified for i in result.items for e in i.evidence)
    stored = json.dumps([i.__dict__ for i in result.items], default=str)
    for value in PLANTED.values():
        assert value.lower() not in stored.lower()


def test_switching_redaction_off_sends_the_text_as_is(fake_llm, card):
    score(plain(*TURNS), card, fake_llm.chat(), EngineConfig(pii_redaction=False))
    assert PLANTED["phone"] in json.dumps(fake_llm.bodies[-1])


@pytest.mark.parametrize(
    ("text", "kept", "placeholder"),
    [
        ("call me on (977) 625-2661", "call me on", "<PHONE_NUMBER>"),
        ("mail cminh730@email.com", "mail", "<EMAIL_ADDRESS>"),
        ("card 4111 1111 1111 1111", "card", "<CREDIT_CARD>"),
        ("my social is 536-22-8726", "my social is", "<US_SSN>"),
        ("zip code 75227", "zip code", "<ZIP_CODE>"),
        ("I live at 6821 1st ave", "I live at", "<STREET_ADDRESS>"),
        ("My name is Maria Gonzalez", "My name is", "<PERSON>"),
        ("username cminh730", "username", "<ACCOUNT_ID>"),
    ],
)
def test_each_kind_becomes_its_typed_placeholder(text, kept, placeholder):
    out = Redactor().redact_text(text, text.lower().split())
    assert out.startswith(kept) and placeholder in out, out


@pytest.mark.parametrize(
    "text",
    [
        "I bought it 90 days ago",  # a small number is no datum
        "order 12345 was late",  # 5 digits after "order" without zip context
        "thanks so much, have a great night",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert Redactor().redact_text(text, text.lower().split()) == text


def test_names_are_found_in_answers_and_redacted_everywhere():
    t = plain(
        ("agent", "sure, may I have your name please?"),
        ("customer", "Crystal Minh"),
        ("agent", "thanks so much! What is your membership level Crystal?"),
    )
    out = [turn.text for turn in Redactor().redact(t).turns]
    assert out == [
        "sure, may I have your name please?",
        "<PERSON>",
        "thanks so much! What is your membership level <PERSON>?",
    ]


def test_abcd_example_transcript_loses_its_personal_data():
    doc = json.loads((EXAMPLES / "transcripts" / "abcd_3592.json").read_text())
    from service.transcripts.rules import parse_document

    text = "\n".join(t.text for t in Redactor().redact(parse_document(doc)).turns)
    for value in ("Crystal", "Minh", "cminh730", "625-2661", "3348917502"):
        assert value.lower() not in text.lower()


def test_every_placeholder_matches_the_scoring_redaction_patterns():
    default = redaction_regex()
    for name in PLACEHOLDER_RE.pattern[4:-2].split("|"):
        assert default.fullmatch(f"<{name}>"), name


def test_overlapping_spans_merge_to_the_longest_then_highest_scoring():
    spans = [Span(0, 10, "PHONE_NUMBER", 0.4), Span(0, 10, "ORDER_ID", 0.45), Span(5, 12, "X")]
    assert merge_spans(spans) == [Span(0, 12, "ORDER_ID", 0.45)]
    assert apply_spans("0123456789ab!", spans) == "<ORDER_ID>!"


def test_a_missing_ner_model_is_an_error_not_a_download():
    from service.governance.redaction import analyzer

    with pytest.raises(RuntimeError, match="not installed"):
        analyzer("xx_no_such_model")
