"""Where an interaction's sentiment comes from: the caller, Genesys STA, or the local analyzer.

Genesys calls are kept to what the decision needs: the conversation metrics first (one call);
the transcript (recordings, URL, download) only when the agent's score can change the outcome
(the customer is below the threshold) or STA has no conversation score at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.genesys.api import GenesysApi, GenesysError, GenesysNotFound
from service.sentiment import rules
from service.sentiment.analyzer import GIVEN, STA, LocalAnalyzer, PhraseScores, from_sta
from service.sentiment.slots import parse_time
from service.transcripts.rules import TranscriptError, parse_document
from service.transcripts.service import communication_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Measured:
    """Judged scores (None = unknown) with their phrase counts and source."""

    customer: float | None
    agent: float | None
    customer_phrases: int
    agent_phrases: int
    source: str


def _sta_score(api: GenesysApi, conversation_id: str) -> float | None:
    """The STA conversation ``sentimentScore`` / 100, or None (not licensed, none, not found)."""
    try:
        metrics = api.get_conversation_analytics(conversation_id) or {}
    except GenesysNotFound:
        return None
    except GenesysError as exc:
        if exc.upstream_status in (401, 403):
            log.info("STA metrics refused (%s): using the local analyzer", exc.upstream_status)
            return None
        raise
    return rules.normalize_sta(metrics.get("sentimentScore"))


def _transcript_doc(api: GenesysApi, conversation_id: str) -> dict[str, Any] | None:
    try:
        communication = communication_for(api, conversation_id)
        doc = api.download_transcript(api.get_transcript_url(conversation_id, communication))
    except GenesysNotFound:
        return None
    return doc if isinstance(doc, dict) else None


def ended_at(api: GenesysApi | None, conversation_id: str) -> datetime | None:
    """The conversation's ``endTime`` from Genesys, or None (ordering needs the real end)."""
    if api is None:
        return None
    try:
        conversation = api.get_conversation(conversation_id) or {}
    except GenesysNotFound:
        return None
    return parse_time(conversation.get("endTime")) if conversation.get("endTime") else None


def phrase_scores(doc: dict[str, Any]) -> PhraseScores | None:
    """STA phrase sentiment of a transcript document, else the local analyzer over its text."""
    found = from_sta(doc)
    if found is not None:
        return found
    try:
        return LocalAnalyzer().score(parse_document(doc))
    except TranscriptError:
        return None


def measure(
    api: GenesysApi | None,
    conversation_id: str,
    customer: float | None,
    agent: float | None,
    t: rules.Thresholds,
    *,
    agent_side: bool,
) -> Measured:
    """Complete the given scores from Genesys; raises ``GenesysUnavailable`` / ``GenesysError``.

    Given scores are trusted as judged (source ``input``); fetched phrase-level scores count
    only with at least ``t.min_phrases`` phrases on that side.
    """
    source = GIVEN
    if customer is None and api is not None:
        customer, source = _sta_score(api, conversation_id), STA
    need_agent = agent is None and rules.needs_agent_score(customer, t, agent_side)
    if api is None or not (customer is None or need_agent):
        return Measured(customer, agent if agent_side else None, 0, 0, source)
    doc = _transcript_doc(api, conversation_id)
    scores = phrase_scores(doc) if doc is not None else None
    if scores is None:
        return Measured(customer, agent if agent_side else None, 0, 0, source)
    if customer is None:
        customer = rules.judged(scores.customer, scores.customer_phrases, t.min_phrases)
        source = scores.source
    if agent is None and agent_side:
        agent = rules.judged(scores.agent, scores.agent_phrases, t.min_phrases)
        source = source if source == scores.source else f"{source}+{scores.source}"
    return Measured(
        customer,
        agent if agent_side else None,
        scores.customer_phrases,
        scores.agent_phrases,
        source,
    )
