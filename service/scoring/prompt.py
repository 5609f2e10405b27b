"""The prompt contract: a system prompt and a JSON Schema per scorecard version.

The static part (role, rules, rubric) comes first and the transcript last, so servers with
prefix caching reuse it across transcripts. Nothing about the agent's identity or past scores
goes into the prompt: both bias judges.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

from service.llm.strict import strict_problems
from service.scoring.scorecard import Question, Scorecard
from service.transcripts.rules import NEUTRAL_TOKEN, Transcript

log = logging.getLogger(__name__)

TEMPLATE_VERSION = "3"
NA = "N/A"

_RULES = f"""You are a contact-center Quality Assurance evaluator. You score one transcript \
against the scorecard below, question by question.

Rules:
1. Judge only what is in the transcript. No evidence means no credit: choose the lowest-value \
answer when the transcript does not show the behaviour.
2. For every answer above the lowest value, give at least one piece of evidence: the 0-based \
turn number and an exact quote copied from that turn (no paraphrase, no ellipsis).
3. Quote only turns of the speaker the question names (normally the agent).
4. {NEUTRAL_TOKEN} marks data removed for privacy. Ignore it: never lower a score because \
information is hidden behind it.
5. Answer "{NA}" only where the question allows it and the situation did not arise.
6. Keep each rationale to one or two sentences.
7. Return only the JSON object described by the schema: no markdown, no extra keys.
"""


@dataclass(frozen=True)
class Prompt:
    """What is sent for one scorecard version, minus the transcript."""

    version: str
    system: str
    schema: dict[str, Any]
    questions: tuple[str, ...]


def answer_texts(q: Question) -> list[str]:
    """The answers the model may choose for a question, N/A last when allowed."""
    texts = [a.text for a in q.answers]
    return [*texts, NA] if q.na_enabled else texts


def llm_questions(card: Scorecard) -> list[Question]:
    """Questions the model scores (phrase items are matched deterministically)."""
    return [q for q in card.questions if q.kind == "llm"]


def item_schema(q: Question) -> dict[str, Any]:
    """The schema of one answer: an allowed option, evidence quotes, a short rationale.

    Only keywords every target engine enforces (OpenAI strict mode's subset, xgrammar,
    llguidance, outlines): no ``minimum``/``minLength``; ``rules.validate_answer`` checks those
    bounds and the engine re-asks, so no bound depends on the engine.
    """
    return {
        "type": "object",
        "description": _describe(q),
        "properties": {
            "answer": {"type": "string", "enum": answer_texts(q)},
            "evidence": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "turn": {"type": "integer"},
                        "quote": {"type": "string"},
                    },
                    "required": ["turn", "quote"],
                    "additionalProperties": False,
                },
            },
            "rationale": {"type": "string"},
        },
        "required": ["answer", "evidence", "rationale"],
        "additionalProperties": False,
    }


def build_schema(card: Scorecard) -> dict[str, Any]:
    """The JSON Schema of a full answer: every LLM question required, nothing else allowed."""
    questions = llm_questions(card)
    return {
        "type": "object",
        "properties": {q.id: item_schema(q) for q in questions},
        "required": [q.id for q in questions],
        "additionalProperties": False,
    }


def _describe(q: Question) -> str:
    who = " or ".join(q.evidence_speakers)
    text = f"{q.text} (quote the {who})"
    return f"{text} Guidance: {q.help_text}" if q.help_text else text


def _rubric(card: Scorecard) -> str:
    lines = [f"Scorecard: {card.name}"]
    for section in card.sections:
        items = [q for q in section.questions if q.kind == "llm"]
        if not items:
            continue
        lines.append(f"\nSection: {section.name}")
        for q in items:
            options = "; ".join(f'"{a.text}" = {a.value:g} points' for a in q.answers)
            na = f'; "{NA}" allowed' if q.na_enabled else ""
            lines.append(f"- [{q.id}] {_describe(q)}\n  Answers: {options}{na}")
    return "\n".join(lines)


def build_prompt(card: Scorecard) -> Prompt:
    """Build the system prompt and schema of a scorecard version."""
    schema = build_schema(card)
    problems = strict_problems(schema)
    if problems:
        # Strict engines (OpenAI) will answer 400 and the client falls back to JSON mode.
        log.warning(
            "scorecard schema exceeds the strict structured-output limits: %s",
            "; ".join(problems[:5]),
            extra={"scorecard": card.id},
        )
    system = f"{_RULES}\n{_rubric(card)}\n"
    digest = hashlib.sha256(
        json.dumps([TEMPLATE_VERSION, system, schema], sort_keys=True).encode()
    ).hexdigest()
    return Prompt(
        version=f"v{TEMPLATE_VERSION}-{digest[:10]}",
        system=system,
        schema=schema,
        questions=tuple(q.id for q in llm_questions(card)),
    )


def render_transcript(transcript: Transcript) -> str:
    """The user message: numbered turns with speaker roles only (no names, ids or history)."""
    lines = ["Transcript (turn number, speaker, text):"]
    for i, turn in enumerate(transcript.turns):
        lines.append(f"[{i}] {turn.speaker.upper()}: {turn.text}")
    return "\n".join(lines)


def messages(prompt: Prompt, transcript: Transcript) -> list[dict[str, str]]:
    """The chat messages of a first attempt."""
    return [
        {"role": "system", "content": prompt.system},
        {"role": "user", "content": render_transcript(transcript)},
    ]


class PromptCache:
    """Prompts per (scorecard id, fingerprint); a form change simply misses the cache."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str], Prompt] = {}

    def get(self, card: Scorecard) -> Prompt:
        """The prompt of this scorecard version, built once."""
        key = (card.id, card.fingerprint)
        with self._lock:
            if key not in self._items:
                # Drop older versions of the same scorecard: they must never be used again.
                for old in [k for k in self._items if k[0] == card.id]:
                    del self._items[old]
                self._items[key] = build_prompt(card)
            return self._items[key]

    def invalidate(self, scorecard_id: str | None = None) -> None:
        """Forget cached prompts (of one scorecard, or all)."""
        with self._lock:
            for key in [k for k in self._items if scorecard_id in (None, k[0])]:
                del self._items[key]

    def __len__(self) -> int:
        return len(self._items)


PROMPTS = PromptCache()
