"""Per-interaction sentiment from what Genesys gives, or from a local analyzer over the text.

``from_sta`` reads the Speech & Text Analytics phrase sentiment (``analytics.sentiment`` entries
pointing at ``phraseIndex``, values -1..1) and splits it by speaker with the scoring transcript
reader's rules (internal phrases outside an agent's participant window are IVR/bot, not the
agent). ``LocalAnalyzer`` scores each phrase with VADER where STA has no sentiment (not
licensed, chat, email, plain-turns transcripts). Both answer the same ``PhraseScores``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from service.transcripts import rules as transcript_rules
from service.transcripts.rules import Transcript

STA = "sta"
LOCAL = "local_vader"
GIVEN = "input"


@dataclass(frozen=True)
class PhraseScores:
    """Mean phrase sentiment (-1..1) and phrase counts per side; None when a side has none."""

    customer: float | None
    customer_phrases: int
    agent: float | None
    agent_phrases: int
    source: str


class Analyzer(Protocol):
    """Score a parsed transcript's turns by speaker."""

    def score(self, transcript: Transcript) -> PhraseScores: ...


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _phrase_speakers(doc: dict[str, Any]) -> dict[int, str]:
    """phraseIndex -> agent/customer/ivr/system, with the transcript reader's agent windows."""
    windows = transcript_rules._participant_windows(doc.get("participants") or [])
    out: dict[int, str] = {}
    for transcript in doc.get("transcripts") or []:
        for phrase in transcript.get("phrases") or []:
            index = phrase.get("phraseIndex")
            if not isinstance(index, int):
                continue
            try:
                out[index] = transcript_rules._phrase_turn(phrase, windows).speaker
            except transcript_rules.TranscriptError:
                continue
    return out


def _sentiment_entries(doc: dict[str, Any]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for transcript in doc.get("transcripts") or []:
        analytics = transcript.get("analytics") or {}
        entries.extend(e for e in analytics.get("sentiment") or [] if isinstance(e, dict))
    return entries


def from_sta(doc: dict[str, Any]) -> PhraseScores | None:
    """Phrase sentiment of an STA transcript document by speaker; None when it has none.

    STA only marks positive and negative phrases, so a phrase of the speaker without an entry
    counts as neutral (0); the phrase counts are every phrase of that speaker.
    """
    entries = _sentiment_entries(doc)
    if not entries:
        return None
    values: dict[int, float] = {}
    for entry in entries:
        index, value = entry.get("phraseIndex"), entry.get("sentiment")
        if not isinstance(index, int) or isinstance(value, bool):
            continue
        if isinstance(value, int | float) and math.isfinite(value):
            values[index] = max(-1.0, min(1.0, float(value)))
    sides: dict[str, list[float]] = {"agent": [], "customer": []}
    for index, side in _phrase_speakers(doc).items():
        if side in sides:
            sides[side].append(values.get(index, 0.0))
    agent, customer = sides["agent"], sides["customer"]
    return PhraseScores(_mean(customer), len(customer), _mean(agent), len(agent), STA)


@lru_cache(maxsize=1)
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


class LocalAnalyzer:
    """VADER compound score (-1..1) per turn, averaged per side (English text)."""

    def score(self, transcript: Transcript) -> PhraseScores:
        """Mean VADER compound of each side's turns; ``source`` is ``local_vader``."""
        sides: dict[str, list[float]] = {"agent": [], "customer": []}
        for turn in transcript.turns:
            if turn.speaker in sides and turn.text.strip():
                sides[turn.speaker].append(float(_vader().polarity_scores(turn.text)["compound"]))
        agent, customer = sides["agent"], sides["customer"]
        return PhraseScores(_mean(customer), len(customer), _mean(agent), len(agent), LOCAL)
