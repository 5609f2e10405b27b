"""Parse transcripts into one shape: ordered turns with a speaker, text, time and confidence.

Two inputs are accepted: the Genesys Speech & Text Analytics transcript document (parsed
defensively; field spellings vary between API versions) and a plain JSON form
``{"turns": [{"speaker": "agent"|"customer", "text": ...}]}`` for non-Genesys users and tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

SPEAKERS = ("agent", "customer", "ivr", "system")
VOICE_MEDIA = {"call", "voice", "callback"}
NEUTRAL_TOKEN = "[CUSTOMER_DATA]"
# Redaction placeholders as Genesys and other redactors write them (docs/scoring.md). Each is a
# regular expression; use scoped flags such as (?i:...) so they combine into one.
DEFAULT_REDACTION_PATTERNS: tuple[str, ...] = (
    # Genesys's masks (help.mypurecloud.com FAQ "Which entities are masked?"), plus
    # [REDACTED], [PII] and [xxx_redacted] in any case.
    r"(?i:\[(?:redacted|pii|[a-z_]*_redacted|card number|card expiry date|user info|phone"
    r"|email|name|postal code|location|national id|personal info)\])",
    # Upper-case labels: [PII], [NAME], [CREDIT_CARD] (Amazon Transcribe, Google DLP...);
    # not ASR sound tags such as [NOISE] or [INAUDIBLE].
    r"\[(?!(?:NOISE|LAUGHTER|LAUGH|INAUDIBLE|SILENCE|MUSIC|CROSSTALK|UNK|BLANK_AUDIO)\])"
    r"[A-Z][A-Z0-9_ ]*[A-Z0-9_]\]",
    # Tags: <redacted>, <redacted_number> in any case; <PERSON>, <PHONE_NUMBER> (Presidio).
    r"(?i:<redacted[a-z_]*>)",
    r"<[A-Z][A-Z0-9_]+>",
    # Template slots: {{PHONE}}, {{ name }}.
    r"\{\{\s*[A-Za-z][A-Za-z0-9_]*\s*\}\}",
    # Character masks: ****, ####, XXXX-XXXX (a run of 3+ * or #, 3+ X or 4+ x as a word).
    r"\*{3,}",
    r"#{3,}",
    r"\b(?:X{3,}|x{4,})\b",
)


class RedactionPatternError(ValueError):
    """A redaction pattern is not a valid regular expression."""


@lru_cache(maxsize=64)
def redaction_regex(patterns: tuple[str, ...] = DEFAULT_REDACTION_PATTERNS) -> re.Pattern[str]:
    """One regex matching any of the patterns; raises ``RedactionPatternError``."""
    if not patterns:
        return re.compile(r"(?!x)x")  # matches nothing
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns))
    except re.error as exc:
        raise RedactionPatternError(f"invalid redaction pattern: {exc}") from exc


def redaction_patterns(defaults: bool, *extra: Iterable[str]) -> tuple[str, ...]:
    """The defaults (unless switched off) followed by every extra pattern, without repeats."""
    out = list(DEFAULT_REDACTION_PATTERNS if defaults else ())
    for group in extra:
        out += [p for p in group if p and p not in out]
    return tuple(out)


REDACTION_RE = redaction_regex()

# Speaker labels of the plain form (explicit, so no participant windows are needed).
_SPEAKER_ALIASES = {
    "agent": "agent",
    "user": "agent",
    "customer": "customer",
    "external": "customer",
    "ivr": "ivr",
    "acd": "ivr",
    "bot": "ivr",
    "botflow": "ivr",
    "digitalbot": "ivr",
    "workflow": "ivr",
    "system": "system",
    "action": "system",
    "voicemail": "system",
}
# Genesys participant purposes (conversation and analytics participants) that are a person
# answering for us. Everything else (acd, ivr, botflow, digitalbot, workflow, voicemail, fax,
# station, dialer, campaign, outbound, api, customer, external and any purpose Genesys adds
# later) is not the agent: attribution fails closed.
AGENT_PURPOSES = frozenset({"agent", "user"})
# Automated participants on our side: their phrases are shown as IVR turns.
AUTOMATED_PURPOSES = frozenset({"ivr", "acd", "bot", "botflow", "digitalbot", "workflow"})
# Phrase-level purposes in a Speech & Text Analytics document: our side (agent or IVR/bot,
# told apart by the participant windows) and the customer's side.
OUR_SIDE_PURPOSES = frozenset({"internal", "agent", "user"})
CUSTOMER_PURPOSES = frozenset({"external", "customer"})


class TranscriptError(ValueError):
    """The document is not a transcript we can read."""


@dataclass(frozen=True)
class Turn:
    """One speaker turn."""

    speaker: str
    text: str
    start_ms: int | None = None
    end_ms: int | None = None
    confidence: float | None = None
    words: int = 0


@dataclass(frozen=True)
class Transcript:
    """An ordered list of turns plus what we know about the interaction."""

    turns: tuple[Turn, ...]
    conversation_id: str = ""
    communication_id: str = ""
    media_type: str = ""
    language: str = ""
    agent_user_ids: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()  # topic names detected by Speech & Text Analytics

    @property
    def is_voice(self) -> bool:
        """True for calls, where ASR confidence matters."""
        return self.media_type.lower() in VOICE_MEDIA

    @property
    def duration_seconds(self) -> float | None:
        """Seconds from the first to the last timed turn, or None without timestamps."""
        starts = [t.start_ms for t in self.turns if t.start_ms is not None]
        ends = [t.end_ms if t.end_ms is not None else t.start_ms for t in self.turns]
        timed_ends = [e for e in ends if e is not None]
        if not starts or not timed_ends:
            return None
        return max(0, max(timed_ends) - min(starts)) / 1000.0

    @property
    def asr_confidence(self) -> float | None:
        """Word-weighted mean phrase confidence, or None when the source has none."""
        pairs = [(t.confidence, max(t.words, 1)) for t in self.turns if t.confidence is not None]
        if not pairs:
            return None
        total = sum(w for _, w in pairs)
        return sum(c * w for c, w in pairs) / total


def normalize_speaker(value: Any) -> str:
    """Map a participant purpose or speaker label to agent/customer/ivr/system."""
    key = str(value or "").strip().lower()
    if key not in _SPEAKER_ALIASES:
        raise TranscriptError(f"unknown speaker {value!r}")
    return _SPEAKER_ALIASES[key]


def parse_plain(doc: dict[str, Any]) -> Transcript:
    """Read ``{"turns": [{"speaker", "text"}]}``; raises ``TranscriptError``."""
    raw = doc.get("turns")
    if not isinstance(raw, list) or not raw:
        raise TranscriptError("'turns' must be a non-empty list")
    turns = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise TranscriptError(f"turn {i} needs a 'speaker' and a string 'text'")
        text = item["text"].strip()
        turns.append(
            Turn(
                speaker=normalize_speaker(item.get("speaker")),
                text=text,
                start_ms=_int_or_none(item.get("startTimeMs")),
                confidence=_float_or_none(item.get("confidence")),
                words=len(text.split()),
            )
        )
    return Transcript(
        turns=tuple(turns),
        conversation_id=str(doc.get("conversationId") or ""),
        media_type=str(doc.get("mediaType") or "chat"),
        language=str(doc.get("language") or ""),
    )


def parse_document(doc: Any) -> Transcript:
    """Read either supported form; raises ``TranscriptError``."""
    if not isinstance(doc, dict):
        raise TranscriptError("a transcript is a JSON object")
    try:
        if "turns" in doc:
            return parse_plain(doc)
        if "transcripts" in doc:
            transcript = parse_genesys(doc)
            if not transcript.turns:
                raise TranscriptError("the transcript has no phrases")
            return transcript
    except (TypeError, AttributeError, KeyError) as exc:
        # Real documents vary; a wrong shape is an unreadable transcript, not a crash.
        raise TranscriptError(f"unexpected transcript shape: {exc}") from exc
    raise TranscriptError("expected 'turns' (plain form) or 'transcripts' (Genesys document)")


def parse_genesys(doc: dict[str, Any]) -> Transcript:
    """Read a Speech & Text Analytics transcript document; raises ``TranscriptError``.

    A phrase is the agent's only when it starts inside the window of a participant who is a
    person answering for us (``is_agent_participant``); see docs/scoring.md.
    """
    phrases = [p for t in doc.get("transcripts") or [] for p in (t.get("phrases") or [])]
    phrases.sort(key=lambda p: (_int_or_none(p.get("startTimeMs")) or 0, p.get("phraseIndex", 0)))
    participants = doc.get("participants") or []
    windows = _participant_windows(participants)
    turns = [_phrase_turn(p, windows) for p in phrases if _phrase_text(p)]
    transcripts = doc.get("transcripts") or [{}]
    agents = tuple(
        str(p["userId"]) for p in participants if p.get("userId") and is_agent_participant(p)
    )
    return Transcript(
        turns=tuple(merge_turns(turns)),
        conversation_id=str(doc.get("conversationId") or ""),
        communication_id=str(doc.get("communicationId") or ""),
        media_type=str(doc.get("mediaType") or ""),
        language=str(transcripts[0].get("language") or ""),
        agent_user_ids=agents,
        topics=topic_names(transcripts),
    )


def topic_names(transcripts: list[Any]) -> tuple[str, ...]:
    """Names of ``transcripts[].analytics.topics[]`` in order, once each; ids never (a topic
    without a ``topicName`` is left out)."""
    names: list[str] = []
    for t in transcripts:
        analytics = t.get("analytics") if isinstance(t, dict) else None
        topics = analytics.get("topics") if isinstance(analytics, dict) else None
        for topic in topics if isinstance(topics, list) else []:
            name = str(topic.get("topicName") or "").strip() if isinstance(topic, dict) else ""
            if name and name not in names:
                names.append(name)
    return tuple(names)


def is_agent_participant(participant: dict[str, Any]) -> bool:
    """True for a person answering for us: purpose ``agent`` or ``user`` with a user id, or the
    transcript document's generic ``internal`` with a user id (IVRs, bots, flows and voicemail
    have none). Every other purpose, and any unknown one, is not the agent."""
    purpose = str(participant.get("participantPurpose") or participant.get("purpose") or "")
    purpose = purpose.strip().lower()
    if purpose in AGENT_PURPOSES:
        return True
    return purpose == "internal" and bool(participant.get("userId"))


def _phrase_text(phrase: dict[str, Any]) -> str:
    return str(phrase.get("decoratedText") or phrase.get("text") or "").strip()


def _phrase_duration(phrase: dict[str, Any]) -> int | None:
    duration = phrase.get("duration")
    if isinstance(duration, dict):
        return _int_or_none(duration.get("milliseconds"))
    return _int_or_none(phrase.get("durationMs", duration))


def _participant_windows(participants: list[dict[str, Any]]) -> list[tuple[str, int, int]]:
    """(role, start, end) of each timed participant: ``agent``, ``ivr`` or ``other``."""
    out = []
    for p in participants:
        purpose = str(p.get("participantPurpose") or p.get("purpose") or "").strip().lower()
        if is_agent_participant(p):
            role = "agent"
        else:
            role = "ivr" if purpose in AUTOMATED_PURPOSES else "other"
        start, end = _int_or_none(p.get("startTimeMs")), _int_or_none(p.get("endTimeMs"))
        if start is not None:
            out.append((role, start, end if end is not None else 2**62))
    return out


def _phrase_turn(phrase: dict[str, Any], windows: list[tuple[str, int, int]]) -> Turn:
    text = _phrase_text(phrase)
    purpose = str(phrase.get("participantPurpose") or "external").strip().lower()
    start = _int_or_none(phrase.get("startTimeMs"))
    duration = _phrase_duration(phrase)
    if purpose in OUR_SIDE_PURPOSES:
        speaker = _internal_speaker(start, windows)  # the windows decide, failing closed
    elif purpose in CUSTOMER_PURPOSES:
        speaker = "customer"
    else:  # automated, voicemail or unknown: never the agent
        speaker = "ivr" if purpose in AUTOMATED_PURPOSES else "system"
    return Turn(
        speaker=speaker,
        text=text,
        start_ms=start,
        end_ms=start + duration if start is not None and duration is not None else start,
        confidence=_float_or_none(phrase.get("confidence")),
        words=len(text.split()),
    )


def _internal_speaker(start: int | None, windows: list[tuple[str, int, int]]) -> str:
    """Our side's phrase is the agent's only inside an agent's window; else an IVR/bot turn
    when an automated participant was present, else ``system`` (voicemail, unknown, untimed)."""
    if start is None:
        return "system"
    present = {role for role, lo, hi in windows if lo <= start <= hi}
    if "agent" in present:
        return "agent"
    return "ivr" if "ivr" in present else "system"


def merge_turns(turns: Iterable[Turn]) -> list[Turn]:
    """Join consecutive phrases of the same speaker into one turn (ASR splits on pauses)."""
    out: list[Turn] = []
    for turn in turns:
        if out and out[-1].speaker == turn.speaker:
            prev = out[-1]
            words = prev.words + turn.words
            out[-1] = replace(
                prev,
                text=f"{prev.text} {turn.text}",
                end_ms=turn.end_ms if turn.end_ms is not None else prev.end_ms,
                confidence=_weighted(prev, turn),
                words=words,
            )
        else:
            out.append(turn)
    return out


def _weighted(a: Turn, b: Turn) -> float | None:
    if a.confidence is None or b.confidence is None:
        return a.confidence if b.confidence is None else b.confidence
    wa, wb = max(a.words, 1), max(b.words, 1)
    return (a.confidence * wa + b.confidence * wb) / (wa + wb)


def neutralize_redactions(
    transcript: Transcript, redaction: re.Pattern[str] = REDACTION_RE
) -> Transcript:
    """Replace redaction placeholders with a neutral token the prompt tells the model to ignore."""
    turns = tuple(replace(t, text=redaction.sub(NEUTRAL_TOKEN, t.text)) for t in transcript.turns)
    return replace(transcript, turns=turns)


def has_redaction(text: str, redaction: re.Pattern[str] = REDACTION_RE) -> bool:
    """True when the text carries a redaction placeholder (original or neutralized)."""
    return bool(redaction.search(text)) or NEUTRAL_TOKEN in text


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def _float_or_none(value: Any) -> float | None:
    try:
        return float(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None
