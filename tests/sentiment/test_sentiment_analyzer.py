"""Per-interaction sentiment: STA phrase sentiment by speaker, the local VADER analyzer."""

from __future__ import annotations

import pytest

from service.sentiment.analyzer import LOCAL, STA, LocalAnalyzer, from_sta
from service.sentiment.sources import phrase_scores
from service.transcripts.rules import parse_plain


def phrase(index: int, purpose: str, start: int, text: str = "words here") -> dict:
    return {
        "phraseIndex": index,
        "participantPurpose": purpose,
        "text": text,
        "startTimeMs": start,
        "duration": {"milliseconds": 900},
    }


def sta_doc(sentiment: list[dict]) -> dict:
    return {
        "conversationId": "c1",
        "participants": [
            {"participantPurpose": "ivr", "startTimeMs": 0, "endTimeMs": 9_999},
            {"participantPurpose": "agent", "userId": "a1", "startTimeMs": 10_000},
        ],
        "transcripts": [
            {
                "phrases": [
                    phrase(0, "internal", 1_000),  # the IVR, not the agent
                    phrase(1, "internal", 11_000),
                    phrase(2, "external", 12_000),
                    phrase(3, "internal", 13_000),
                ],
                "analytics": {"sentiment": sentiment},
            }
        ],
    }


def test_sta_phrase_sentiment_by_speaker_ignores_the_ivr() -> None:
    doc = sta_doc(
        [
            {"phraseIndex": 0, "sentiment": 1},
            {"phraseIndex": 1, "sentiment": -1},
            {"phraseIndex": 2, "sentiment": -1},
            {"phraseIndex": 3, "sentiment": 0.5},
        ]
    )
    scores = from_sta(doc)
    assert scores is not None and scores.source == STA
    assert scores.agent == pytest.approx(-0.25) and scores.agent_phrases == 2
    assert scores.customer == pytest.approx(-1.0) and scores.customer_phrases == 1


def test_sta_without_sentiment_falls_back_to_the_local_analyzer() -> None:
    doc = sta_doc([])
    assert from_sta(doc) is None
    scores = phrase_scores(doc)
    assert scores is not None and scores.source == LOCAL


def test_phrases_without_an_entry_are_neutral_and_counted() -> None:
    scores = from_sta(sta_doc([{"phraseIndex": 1, "sentiment": -1}]))
    assert scores is not None
    assert scores.agent == pytest.approx(-0.5) and scores.agent_phrases == 2
    assert scores.customer == 0.0 and scores.customer_phrases == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"phraseIndex": "1", "sentiment": 1},
        {"sentiment": True},
        {"phraseIndex": 1, "sentiment": float("nan")},
    ],
)
def test_malformed_sentiment_entries_are_ignored(bad) -> None:
    scores = from_sta(sta_doc([bad]))
    assert scores is not None and scores.agent == 0.0 and scores.customer == 0.0


def test_local_analyzer_reads_plain_turns() -> None:
    transcript = parse_plain(
        {
            "turns": [
                {"speaker": "customer", "text": "This is terrible, I hate this awful service."},
                {"speaker": "agent", "text": "Thank you, happy to help, wonderful question!"},
            ]
        }
    )
    scores = LocalAnalyzer().score(transcript)
    assert scores.customer is not None and scores.customer < -0.6
    assert scores.agent is not None and scores.agent > 0.5
    assert (scores.customer_phrases, scores.agent_phrases) == (1, 1)
