"""Pure scoring decisions: policy, idempotency, answer validation, totals, write-back values."""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from service.coaching.rules import percentage as score_percentage
from service.coaching.rules import weighted_totals
from service.transcripts.rules import Transcript

# Namespace of our uuid5 keys: fixed forever, or retries would stop matching.
KEY_NAMESPACE = uuid.UUID("6f1c0e52-3f7a-5b8e-9d43-0b5a4a2c9e11")
_REFUSAL_RE = re.compile(
    r"^\s*(i'?m sorry|i am sorry|sorry,|i can(?:not|'t)|i am unable|i'm unable|as an ai)", re.I
)
RISK_TERMS = (
    "kill you",
    "i will hurt",
    "bomb",
    "shoot",
    "suicide",
    "kill myself",
    "fuck",
    "motherfucker",
    "cunt",
)


@dataclass(frozen=True)
class Policy:
    """Which interactions are scored at all."""

    min_duration_seconds: float = 30.0
    min_turns: int = 4
    asr_floor: float = 0.6
    excluded_queues: tuple[str, ...] = ()
    test_wrapup_codes: tuple[str, ...] = ()


def exclusion_reason(
    policy: Policy,
    *,
    queues: tuple[str, ...] = (),
    wrapup_code: str = "",
    abandoned: bool = False,
    duration_seconds: float | None = None,
) -> str:
    """Why an interaction is not scored, from what the caller told us ("" = score it)."""
    excluded = {q.lower() for q in policy.excluded_queues}
    if any(q and q.lower() in excluded for q in queues):
        return "internal_test_call"
    if wrapup_code and wrapup_code.lower() in {w.lower() for w in policy.test_wrapup_codes}:
        return "internal_test_call"
    if abandoned:
        return "abandoned"
    if duration_seconds is not None and duration_seconds < policy.min_duration_seconds:
        return "too_short"
    return ""


def transcript_exclusion(policy: Policy, transcript: Transcript) -> str:
    """Why a fetched transcript is not scored ("" = score it); checked again at scoring time."""
    if not has_agent_speech(transcript):
        # No agent ever spoke (a bot, IVR or voicemail only): there is nobody to evaluate.
        return "no_agent_speech"
    if len(transcript.turns) < policy.min_turns:
        return "too_short"
    duration = transcript.duration_seconds
    if duration is not None and duration < policy.min_duration_seconds:
        return "too_short"
    return ""


def has_agent_speech(transcript: Transcript) -> bool:
    """True when at least one turn is the agent's (see ``service.transcripts.rules``)."""
    return any(t.speaker == "agent" for t in transcript.turns)


def low_confidence(policy: Policy, transcript: Transcript) -> bool:
    """True for a voice transcript whose ASR confidence is below the floor."""
    confidence = transcript.asr_confidence
    return transcript.is_voice and confidence is not None and confidence < policy.asr_floor


def risky_turns(transcript: Transcript, terms: Iterable[str] = RISK_TERMS) -> int:
    """How many turns contain threat or abuse terms (the pre-LLM content filter)."""
    lowered = [t.text.lower() for t in transcript.turns]
    return sum(1 for text in lowered if any(term in text for term in terms))


def diarization_wait(transcript: Transcript, now_ms: int, window_seconds: float) -> float:
    """Seconds until the transcript is settled (segments arrive up to the window after the end).

    Only for absolute (epoch) phrase times; relative times cannot be checked and give 0.
    """
    ends = [t.end_ms if t.end_ms is not None else t.start_ms for t in transcript.turns]
    last = max((e for e in ends if e is not None), default=None)
    if last is None or last < 10**12:
        return 0.0
    return max(0.0, (last + window_seconds * 1000 - now_ms) / 1000)


def idempotency_key(
    conversation_id: str, communication_id: str, scorecard_id: str, scorecard_version: str
) -> str:
    """One scoring per interaction and scorecard version: duplicates and retries collapse."""
    name = "|".join(["score", conversation_id, communication_id, scorecard_id, scorecard_version])
    return str(uuid.uuid5(KEY_NAMESPACE, name))


def evaluation_key(conversation_id: str, agent_id: str, form_version: str) -> str:
    """The ``Idempotency-Key`` of the Genesys evaluation create (uuid5, stable across retries)."""
    return str(uuid.uuid5(KEY_NAMESPACE, f"evaluation|{conversation_id}|{agent_id}|{form_version}"))


def strip_fences(content: str) -> str:
    """Remove a Markdown code fence some models wrap JSON in."""
    text = content.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    return text.strip()


def looks_like_refusal(content: str) -> bool:
    """True when a non-JSON answer reads like a safety refusal."""
    return bool(_REFUSAL_RE.match(content)) and not content.lstrip().startswith("{")


def parse_answer(content: str) -> tuple[Any, str]:
    """Decode the model's JSON; returns (data, error message or "")."""
    try:
        return json.loads(strip_fences(content)), ""
    except ValueError as exc:
        return None, f"the answer is not valid JSON ({exc})"


def validate_answer(
    data: Any, schema: dict[str, Any], worst: dict[str, str], n_turns: int
) -> list[str]:
    """Schema errors plus contract checks the schema cannot express; empty when valid.

    ``worst`` maps each question id to its lowest-value answer text, which needs no evidence.
    """
    validator = Draft202012Validator(schema)
    errors = [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    ]
    if errors:
        return errors[:20]
    for qid, item in data.items():
        for ev in item["evidence"]:
            # The schema carries no bounds (strict structured-output engines reject or ignore
            # them), so every bound is checked here: a turn of -1 would index from the end.
            if not 0 <= ev["turn"] < n_turns:
                errors.append(
                    f"{qid}/evidence: turn {ev['turn']} does not exist (0..{n_turns - 1})"
                )
            if not ev["quote"].strip():
                errors.append(f"{qid}/evidence: turn {ev['turn']} has an empty quote")
        if item["answer"] not in (worst.get(qid), "N/A") and not item["evidence"]:
            errors.append(f"{qid}: answer {item['answer']!r} needs at least one evidence quote")
    return errors


@dataclass(frozen=True)
class ItemScore:
    """What totals need from one item."""

    section_id: str
    score: float
    max_score: float
    counted: bool  # False for N/A and excluded items: 0 of 0
    critical: bool = False
    kill_failed: bool = False


def percentage(
    items: list[ItemScore], weights: dict[str, float], weighted: bool = True
) -> float | None:
    """Genesys weighting: sum(points x weight) / sum(possible x weight) x 100, 2 decimals
    rounded half-up (``service.coaching.rules.weighted_totals`` and ``percentage``).

    N/A and excluded items count 0 of 0 (as Genesys counts N/A); a failed kill question gives 0.
    None when nothing is scorable (no possible points): that is no score, never 0 %.
    """
    num, den = weighted_totals(
        (item.score, item.max_score, weights.get(item.section_id, 1.0) if weighted else 1.0)
        for item in items
        if item.counted
    )
    if any(i.kill_failed for i in items):
        return 0.0  # a failed kill question zeroes the whole evaluation
    return score_percentage(num, den) if den > 0 else None


def floor_points(value: float) -> int:
    """Point values the QA API accepts: integers, floor-rounded (4.9 earns 4, never 5)."""
    return int(math.floor(value + 1e-9))


def truncate(text: str, limit: int) -> str:
    """Shorten on a word boundary with an ellipsis so comments never overflow."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def offpeak_delay(hours: str, hour_now: int, minute_now: int) -> float:
    """Seconds until the off-peak window ("22-6", UTC hours) opens; 0 inside it or if unset."""
    if not hours:
        return 0.0
    start, end = (int(h) % 24 for h in hours.split("-", 1))
    inside = start <= hour_now < end if start < end else (hour_now >= start or hour_now < end)
    if inside:
        return 0.0
    hours_to = (start - hour_now) % 24
    return float(hours_to * 3600 - minute_now * 60)


def cohen_kappa(pairs: list[tuple[str, str]]) -> float | None:
    """Cohen's kappa of (label, prediction) pairs; None when undefined (no pairs).

    With a single category on both sides agreement is perfect by chance too: kappa is 1.0
    when every pair agrees, else 0.0.
    """
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(1 for a, b in pairs if a == b) / n
    cats = {c for pair in pairs for c in pair}
    expected = sum(
        (sum(1 for a, _ in pairs if a == c) / n) * (sum(1 for _, b in pairs if b == c) / n)
        for c in cats
    )
    if expected >= 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return round((observed - expected) / (1 - expected), 4)
