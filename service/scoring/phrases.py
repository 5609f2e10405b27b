"""Deterministic items: verbatim disclosures and forbidden phrases, by fuzzy matching."""

from __future__ import annotations

import re

from service.scoring.evidence import find_phrase, redacted_phrase_turn
from service.scoring.results import Evidence, ItemResult
from service.scoring.scorecard import Question
from service.transcripts.rules import REDACTION_RE, Transcript


def _item(
    q: Question, section_id: str, passed: bool, evidence: list[Evidence], note: str
) -> ItemResult:
    option = q.best if passed else q.worst
    return ItemResult(
        id=q.id,
        section_id=section_id,
        answer=option.text,
        answer_id=option.id,
        score=option.value,
        max_score=q.best.value,
        method="phrase",
        verified=True,
        evidence=evidence,
        rationale=note,
        model_answer=option.text,
    )


def score_phrase_item(
    transcript: Transcript,
    q: Question,
    section_id: str,
    threshold: float,
    redaction: re.Pattern[str] = REDACTION_RE,
) -> tuple[ItemResult, str]:
    """Score one phrase question; returns (item, review reason or "").

    ``redaction`` is what counts as a placeholder (the configured patterns).
    """
    speakers = q.evidence_speakers
    for phrase in q.forbidden:
        hit = find_phrase(transcript, phrase, speakers, threshold)
        if hit:
            ev = Evidence(hit.turn, hit.quote, True, hit.start, hit.end)
            return _item(q, section_id, False, [ev], f"forbidden phrase used: {phrase!r}"), ""
    found: list[Evidence] = []
    for phrase in q.phrases:
        hit = find_phrase(transcript, phrase, speakers, threshold)
        if hit is None:
            return _missing(transcript, q, section_id, phrase, found, redaction)
        found.append(Evidence(hit.turn, hit.quote, True, hit.start, hit.end))
    note = "required wording found" if q.phrases else "no forbidden phrase used"
    return _item(q, section_id, True, found, note), ""


def _missing(
    transcript: Transcript,
    q: Question,
    section_id: str,
    phrase: str,
    found: list[Evidence],
    redaction: re.Pattern[str],
) -> tuple[ItemResult, str]:
    turn = redacted_phrase_turn(transcript, phrase, q.evidence_speakers, redaction=redaction)
    if turn is None:
        return _item(q, section_id, False, found, f"required wording missing: {phrase!r}"), ""
    # The disclosure was said but masked by redaction: never charge the agent for it, and
    # flag it, because a mandatory script must not be redacted in the first place.
    item = _item(q, section_id, True, found, f"required wording hidden by redaction in turn {turn}")
    item.excluded = True
    item.verified = False
    item.note = "disclosure_redacted"
    return item, f"disclosure_redacted:{q.id}"
