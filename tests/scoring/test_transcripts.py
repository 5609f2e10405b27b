"""Transcript parsing: Genesys documents, the plain form, speakers, merging, confidence."""

from __future__ import annotations

import pytest

from service.transcripts.rules import (
    NEUTRAL_TOKEN,
    TranscriptError,
    neutralize_redactions,
    parse_document,
)


def genesys_doc(**overrides):
    doc = {
        "conversationId": "c-1",
        "communicationId": "m-1",
        "mediaType": "call",
        "conversationStartTime": 1718461800000,
        "participants": [
            {"participantPurpose": "ivr", "startTimeMs": 0, "endTimeMs": 4000},
            {"participantPurpose": "agent", "userId": "u-agent", "startTimeMs": 5000},
            {"participantPurpose": "customer", "startTimeMs": 0},
        ],
        "transcripts": [
            {
                "transcriptId": "t-1",
                "language": "en-us",
                "phrases": [
                    {
                        "phraseIndex": 0,
                        "participantPurpose": "internal",
                        "text": "press one",
                        "confidence": 0.9,
                        "startTimeMs": 1000,
                        "duration": {"milliseconds": 800},
                    },
                    {
                        "phraseIndex": 2,
                        "participantPurpose": "internal",
                        "text": "hello this is sam",
                        "decoratedText": "Hello, this is Sam.",
                        "confidence": 0.95,
                        "startTimeMs": 6000,
                        "durationMs": 1200,
                    },
                    {
                        "phraseIndex": 3,
                        "participantPurpose": "internal",
                        "text": "how can i help",
                        "confidence": 0.85,
                        "startTimeMs": 7300,
                        "durationMs": 900,
                    },
                    {
                        "phraseIndex": 1,
                        "participantPurpose": "external",
                        "text": "one",
                        "confidence": 0.7,
                        "startTimeMs": 2500,
                        "durationMs": 300,
                    },
                    {
                        "phraseIndex": 4,
                        "participantPurpose": "external",
                        "text": "my bill is wrong",
                        "confidence": 0.8,
                        "startTimeMs": 9000,
                        "durationMs": 1000,
                    },
                ],
            }
        ],
    }
    doc.update(overrides)
    return doc


def test_genesys_document_orders_merges_and_tells_ivr_from_agent():
    t = parse_document(genesys_doc())
    assert [(x.speaker, x.text) for x in t.turns] == [
        ("ivr", "press one"),
        ("customer", "one"),
        ("agent", "Hello, this is Sam. how can i help"),
        ("customer", "my bill is wrong"),
    ]
    assert t.turns[2].start_ms == 6000 and t.turns[2].end_ms == 8200
    assert t.agent_user_ids == ("u-agent",)
    assert t.is_voice and t.language == "en-us"
    assert t.duration_seconds == pytest.approx(9.0)


def test_asr_confidence_is_word_weighted():
    t = parse_document(genesys_doc())
    # words (weight, confidence): 2 .9, 1 .7, 4 .95, 4 .85, 4 .8
    expected = (2 * 0.9 + 1 * 0.7 + 4 * 0.95 + 4 * 0.85 + 4 * 0.8) / 15
    assert t.asr_confidence == pytest.approx(expected)


def test_plain_form_and_errors():
    t = parse_document(
        {"turns": [{"speaker": "agent", "text": " hi "}, {"speaker": "customer", "text": "yo"}]}
    )
    assert [x.text for x in t.turns] == ["hi", "yo"]
    assert t.media_type == "chat" and t.asr_confidence is None
    for bad in (
        {"turns": []},
        {"turns": [{"speaker": "alien", "text": "x"}]},
        {"turns": [{"speaker": "agent"}]},
        [],
        {"x": 1},
    ):
        with pytest.raises(TranscriptError):
            parse_document(bad)


def test_redaction_tokens_become_neutral():
    t = parse_document(
        {"turns": [{"speaker": "customer", "text": "card [REDACTED] and <redacted> and [pii]"}]}
    )
    assert (
        neutralize_redactions(t).turns[0].text
        == f"card {NEUTRAL_TOKEN} and {NEUTRAL_TOKEN} and {NEUTRAL_TOKEN}"
    )


@pytest.mark.parametrize(
    "doc",
    [
        {"transcripts": 5},
        {"transcripts": [{"phrases": [5]}]},
        {"transcripts": [], "participants": "x"},
        {"transcripts": []},
        {"turns": "abc"},
    ],
)
def test_odd_genesys_shapes_are_transcript_errors(doc):
    with pytest.raises(TranscriptError):
        parse_document(doc)
