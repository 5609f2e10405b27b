"""Score one transcript against one scorecard: phrase items, the LLM judge, evidence, totals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from service.governance.rules import PLACEHOLDER_PATTERN, language_supported
from service.llm.client import ChatModel, ChatResult, LlmError, LlmTruncated, LlmUnavailable
from service.scoring import rules
from service.scoring.evidence import verify
from service.scoring.phrases import score_phrase_item
from service.scoring.prompt import NA, PROMPTS, Prompt, messages
from service.scoring.results import CallLog, Evidence, ItemResult, ScoreResult
from service.scoring.scorecard import Question, Scorecard
from service.settings import EVIDENCE_THRESHOLD, Settings
from service.transcripts.rules import (
    DEFAULT_REDACTION_PATTERNS,
    Transcript,
    neutralize_redactions,
    redaction_patterns,
    redaction_regex,
)


@dataclass(frozen=True)
class EngineConfig:
    """Knobs of one scoring run."""

    max_attempts: int = 3
    evidence_threshold: float = EVIDENCE_THRESHOLD
    risk_max_turns: int = 3
    max_output_tokens: int = 2000
    policy: rules.Policy = rules.Policy()
    redaction_patterns: tuple[str, ...] = DEFAULT_REDACTION_PATTERNS
    # Personal data replaced with typed placeholders before the model (service/governance).
    pii_redaction: bool = True
    pii_ner_model: str = ""
    pii_threshold: float = 0.4
    # Score transcripts in languages the scorecard does not declare (else: language_unsupported).
    allow_other_languages: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> EngineConfig:
        """Read the ``QM_SCORING_*`` settings."""
        return cls(
            max_attempts=settings.scoring_max_attempts,
            evidence_threshold=settings.scoring_evidence_threshold,
            risk_max_turns=settings.scoring_risk_max_turns,
            max_output_tokens=settings.llm_max_output_tokens,
            policy=policy_from_settings(settings),
            redaction_patterns=redaction_patterns(
                settings.scoring_redaction_defaults, settings.scoring_redaction_patterns
            ),
            pii_redaction=settings.governance_pii_redaction,
            pii_ner_model=settings.governance_ner_model,
            pii_threshold=settings.governance_pii_threshold,
            allow_other_languages=settings.governance_allow_other_languages,
        )


def policy_from_settings(settings: Settings) -> rules.Policy:
    """The exclusion policy from settings."""
    return rules.Policy(
        min_duration_seconds=settings.scoring_min_duration_seconds,
        min_turns=settings.scoring_min_turns,
        asr_floor=settings.scoring_asr_confidence_floor,
        excluded_queues=tuple(settings.scoring_excluded_queues),
        test_wrapup_codes=tuple(settings.scoring_test_wrapup_codes),
    )


@dataclass
class LlmOutcome:
    data: dict[str, Any] | None
    calls: list[CallLog]
    reason: str = ""
    retryable: bool = False
    retry_after: float | None = None  # the wait the LLM server asked for, seconds
    throttled: bool = False  # it asked for longer than we wait in-process: defer the job


def _log(attempt: int, result: ChatResult | None, error: str) -> CallLog:
    if result is None:
        return CallLog(attempt, {}, {}, 0.0, 0, 0, error)
    return CallLog(
        attempt,
        result.request,
        result.response,
        result.latency_ms,
        result.prompt_tokens,
        result.completion_tokens,
        error,
    )


def ask_llm(
    chat: ChatModel, prompt: Prompt, card: Scorecard, transcript: Transcript, cfg: EngineConfig
) -> LlmOutcome:
    """Ask, validate, re-ask with the validation error; at most ``max_attempts`` in all."""
    base = messages(prompt, transcript)
    worst = {q.id: q.worst.text for q in card.questions if q.kind == "llm"}
    convo, calls, max_tokens = list(base), [], cfg.max_output_tokens
    last_error = ""
    for attempt in range(1, cfg.max_attempts + 1):
        try:
            result = chat.complete_json(
                convo, prompt.schema, name="qa_scorecard", max_tokens=max_tokens
            )
        except LlmTruncated as exc:
            calls.append(_log(attempt, exc.result, "truncated"))
            last_error, max_tokens = "llm_output_truncated", max_tokens * 2
            continue
        except LlmUnavailable as exc:
            calls.append(_log(attempt, None, exc.detail))
            return LlmOutcome(
                None,
                calls,
                "llm_unavailable",
                retryable=True,
                retry_after=exc.retry_after,
                throttled=exc.throttled,
            )
        except LlmError as exc:
            calls.append(_log(attempt, exc.result, exc.detail))
            return LlmOutcome(None, calls, f"llm_{exc.kind}")
        if rules.looks_like_refusal(result.content):
            calls.append(_log(attempt, result, "refusal"))
            return LlmOutcome(None, calls, "llm_refusal")
        data, error = rules.parse_answer(result.content)
        errors = (
            [error]
            if error
            else rules.validate_answer(data, prompt.schema, worst, len(transcript.turns))
        )
        calls.append(_log(attempt, result, "; ".join(errors)))
        if not errors:
            return LlmOutcome(data, calls)
        last_error = "llm_invalid_answer: " + "; ".join(errors)[:300]
        convo = [*base, {"role": "assistant", "content": result.content[:4000]}, _reask(errors)]
    return LlmOutcome(None, calls, last_error or "llm_invalid_answer")


def _reask(errors: list[str]) -> dict[str, str]:
    listed = "\n".join(f"- {e}" for e in errors[:10])
    return {
        "role": "user",
        "content": f"Your answer was rejected:\n{listed}\n"
        "Reply again with only the corrected JSON object, following the schema exactly.",
    }


def _llm_item(
    q: Question, section_id: str, raw: dict[str, Any], transcript: Transcript, threshold: float
) -> tuple[ItemResult, str]:
    """Turn one validated model answer into a scored, evidence-checked item."""
    evidence = []
    for ev in raw["evidence"]:
        m = verify(transcript, ev["turn"], ev["quote"], q.evidence_speakers, threshold)
        evidence.append(Evidence(ev["turn"], ev["quote"], m.verified, m.start, m.end, m.reason))
    text = raw["answer"]
    item = ItemResult(
        id=q.id,
        section_id=section_id,
        answer=text,
        answer_id=None,
        score=0.0,
        max_score=q.best.value,
        method="llm",
        verified=True,
        evidence=evidence,
        rationale=str(raw.get("rationale") or "")[:1000],
        model_answer=text,
    )
    if text == NA:
        item.na, item.answer_id = True, None
        return item, ""
    option = q.option(text)
    assert option is not None  # the schema's enum guarantees it
    needs_proof = option.value > q.worst.value
    if needs_proof and not all(e.verified for e in evidence):
        # Unverifiable evidence earns no credit: the lowest answer, marked, and reviewed.
        item.verified = False
        item.answer, item.answer_id, item.score = q.worst.text, q.worst.id, q.worst.value
        item.note = "unverified_evidence"
        return item, f"unverified_evidence:{q.id}"
    item.answer_id, item.score = option.id, option.value
    if option.value < q.best.value and _blames_redaction(item):
        # Redacted data must never cost points: a human checks this one.
        return item, f"redaction_penalty:{q.id}"
    return item, ""


def _blames_redaction(item: ItemResult) -> bool:
    text = item.rationale.lower() + " ".join(e.quote for e in item.evidence).lower()
    return "customer_data" in text or "redact" in text


def _neutral_item(q: Question, section_id: str, note: str) -> ItemResult:
    return ItemResult(
        id=q.id,
        section_id=section_id,
        answer=None,
        answer_id=None,
        score=0.0,
        max_score=q.best.value,
        method="llm",
        verified=False,
        excluded=True,
        note=note,
    )


def totals(card: Scorecard, items: list[ItemResult]) -> float | None:
    """The Genesys-weighted percentage of the items; None when no item has possible points."""
    by_id = {q.id: q for q in card.questions}
    scores = [
        rules.ItemScore(
            section_id=i.section_id,
            score=i.score,
            max_score=i.max_score,
            counted=not (i.na or i.excluded),
            kill_failed=bool(
                by_id[i.id].is_kill and not i.na and i.score <= by_id[i.id].worst.value
            ),
        )
        for i in items
    ]
    weights = {s.id: s.weight for s in card.sections}
    return rules.percentage(scores, weights, weighted=card.weight_mode != "OFF")


def _pre_llm_block(transcript: Transcript, cfg: EngineConfig) -> str:
    if rules.low_confidence(cfg.policy, transcript):
        return "low_asr_confidence"
    if cfg.risk_max_turns and rules.risky_turns(transcript) >= cfg.risk_max_turns:
        return "content_risk"
    return ""


def _phrase_items(
    t: Transcript,
    card: Scorecard,
    cfg: EngineConfig,
    reasons: list[str],
    redaction: re.Pattern[str],
) -> dict[str, ItemResult]:
    items = {}
    for section in card.sections:
        for q in section.questions:
            if q.kind == "phrase":
                items[q.id], why = score_phrase_item(
                    t, q, section.id, cfg.evidence_threshold, redaction
                )
                reasons += [why] if why else []
    return items


def _run_llm(
    t: Transcript, card: Scorecard, prompt: Prompt, chat: ChatModel | None, cfg: EngineConfig
) -> LlmOutcome:
    if not prompt.questions:
        return LlmOutcome({}, [])
    blocked = _pre_llm_block(t, cfg)
    if blocked:
        return LlmOutcome(None, [], blocked)
    if chat is None:
        return LlmOutcome(None, [], "llm_not_configured")
    return ask_llm(chat, prompt, card, t, cfg)


def _llm_items(
    t: Transcript, card: Scorecard, outcome: LlmOutcome, cfg: EngineConfig, reasons: list[str]
) -> dict[str, ItemResult]:
    items = {}
    for section in card.sections:
        for q in section.questions:
            if q.kind != "llm":
                continue
            if outcome.data is None:
                items[q.id] = _neutral_item(q, section.id, outcome.reason)
                continue
            raw = outcome.data[q.id]
            items[q.id], why = _llm_item(q, section.id, raw, t, cfg.evidence_threshold)
            reasons += [why] if why else []
    return items


def _language_unsupported(card: Scorecard, chat: ChatModel | None, prompt: Prompt) -> ScoreResult:
    neutral = [
        _neutral_item(q, s.id, "language_unsupported") for s in card.sections for q in s.questions
    ]
    return ScoreResult(
        scorecard_id=card.id,
        scorecard_version=card.version,
        model=chat.model if chat else "",
        prompt_version=prompt.version,
        items=neutral,
        percentage=None,
        needs_review=True,
        review_reasons=["language_unsupported"],
    )


def score(
    transcript: Transcript, card: Scorecard, chat: ChatModel | None, cfg: EngineConfig
) -> ScoreResult:
    """Score a transcript; every failure ends in an explicit ``needs_review`` result.

    A transcript in which no agent ever speaks is not scored: the result is ``skipped``
    (``no_agent_speech``), with no items and no percentage.
    """
    prompt = PROMPTS.get(card)
    if not rules.has_agent_speech(transcript):
        return ScoreResult(
            scorecard_id=card.id,
            scorecard_version=card.version,
            model=chat.model if chat else "",
            prompt_version=prompt.version,
            items=[],
            percentage=None,
            needs_review=False,
            review_reasons=[],
            skipped="no_agent_speech",
        )
    # Every placeholder (settings' and the scorecard's patterns) becomes the neutral token
    # before phrase matching and before the model sees the transcript.
    if not (cfg.allow_other_languages or language_supported(transcript.language, card.languages)):
        # The rubric and prompt were written for other languages: a human scores this one.
        return _language_unsupported(card, chat, prompt)
    # Personal data becomes typed placeholders first; the placeholders always count as redaction.
    if cfg.pii_redaction:
        from service.governance.redaction import Redactor  # Presidio and spaCy load on first use

        transcript = Redactor(cfg.pii_ner_model, cfg.pii_threshold).redact(transcript)
    patterns = redaction_patterns(
        False, cfg.redaction_patterns, card.redaction_patterns, (PLACEHOLDER_PATTERN,)
    )
    redaction = redaction_regex(patterns)
    t = neutralize_redactions(transcript, redaction)
    phrase_reasons: list[str] = []
    llm_reasons: list[str] = []
    items = _phrase_items(t, card, cfg, phrase_reasons, redaction)
    outcome = _run_llm(t, card, prompt, chat, cfg)
    items.update(_llm_items(t, card, outcome, cfg, llm_reasons))
    reasons = ([outcome.reason] if outcome.data is None else []) + phrase_reasons + llm_reasons
    ordered = [items[q.id] for q in card.questions]
    percentage = None if outcome.data is None else totals(card, ordered)
    if outcome.data is not None and percentage is None:
        # Every answer N/A or every item excluded: 0 of 0 points is no score, not 0 %.
        reasons.append("nothing_scorable")
    return ScoreResult(
        scorecard_id=card.id,
        scorecard_version=card.version,
        model=chat.model if chat else "",
        prompt_version=prompt.version,
        items=ordered,
        percentage=percentage,
        needs_review=bool(reasons),
        review_reasons=reasons,
        calls=outcome.calls,
        retryable=outcome.retryable,
        retry_after=outcome.retry_after,
        throttled=outcome.throttled,
    )
