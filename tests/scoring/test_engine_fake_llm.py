"""Every fake-LLM behaviour ends in a correct score or a correct needs_review, over HTTP."""

from __future__ import annotations

import json

import pytest

from service.scoring.engine import EngineConfig, score
from service.transcripts.rules import NEUTRAL_TOKEN
from tests.scoring.conftest import GOOD_TURNS, plain

LLM_IDS = ["greeting", "identity", "resolution"]


@pytest.fixture
def good():
    return plain(*GOOD_TURNS)


def run(fake_llm, card, transcript, **chat_overrides):
    return score(transcript, card, fake_llm.chat(**chat_overrides), EngineConfig())


def test_judge_scores_with_verified_evidence_and_a_strict_request(fake_llm, card, good):
    result = run(fake_llm, card, good)
    assert not result.needs_review, result.review_reasons
    assert [i.id for i in result.items] == [q.id for q in card.questions]
    by_id = {i.id: i for i in result.items}
    assert by_id["identity"].answer == "Yes" and by_id["identity"].score == 2
    assert all(e.verified for i in result.items for e in i.evidence)
    assert (
        by_id["recording-disclosure"].method == "phrase"
        and by_id["recording-disclosure"].score == 1
    )
    assert result.percentage is not None and 0 < result.percentage <= 100
    body = fake_llm.bodies[-1]
    assert body["temperature"] == 0
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["additionalProperties"] is False and schema["required"] == LLM_IDS
    # the deterministic items never reach the model
    assert "recording-disclosure" not in schema["properties"]
    assert len(result.calls) == 1 and result.prompt_tokens > 0


def test_static_prompt_comes_first_and_is_identical_across_transcripts(fake_llm, card, good):
    run(fake_llm, card, good)
    other = plain(("agent", "Hello"), ("customer", "Bye"), ("agent", "Bye now"), ("customer", "x"))
    run(fake_llm, card, other)
    a, b = fake_llm.bodies[-2]["messages"], fake_llm.bodies[-1]["messages"]
    assert a[0] == b[0] and a[0]["role"] == "system"
    assert a[1]["content"] != b[1]["content"]


def test_prompt_never_carries_agent_identity(fake_llm, card):
    t = plain(*GOOD_TURNS, conversationId="conv-9")
    object.__setattr__(t, "agent_user_ids", ("agent-user-42",))
    run(fake_llm, card, t)
    sent = json.dumps(fake_llm.bodies[-1])
    assert "agent-user-42" not in sent and "conv-9" not in sent


@pytest.mark.parametrize("fault", ["invalid_json", "wrong_keys", "string_ints", "truncate"])
def test_one_bad_answer_is_reasked_and_then_scored(fake_llm, card, good, fault):
    fake_llm.script(fault)
    result = run(fake_llm, card, good)
    assert not result.needs_review, result.review_reasons
    assert len(result.calls) == 2 and result.calls[0].error
    retry = fake_llm.bodies[-1]
    if fault == "truncate":
        assert retry["max_tokens"] == 2 * fake_llm.bodies[-2]["max_tokens"]
    else:
        assert retry["messages"][-1]["role"] == "user"
        assert "rejected" in retry["messages"][-1]["content"]


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("invalid_json", "llm_invalid_answer"),
        ("wrong_keys", "llm_invalid_answer"),
        ("string_ints", "llm_invalid_answer"),
        ("truncate", "llm_output_truncated"),
    ],
)
def test_three_bad_answers_give_a_neutral_needs_review(fake_llm, card, good, fault, reason):
    fake_llm.set_mode(fault)
    result = run(fake_llm, card, good)
    assert result.needs_review and result.review_reasons[0].startswith(reason)
    assert len(result.calls) == 3 and fake_llm.state.requests >= 3
    assert result.percentage is None
    llm_items = [i for i in result.items if i.method == "llm"]
    assert all(i.answer is None and i.score == 0 and i.excluded for i in llm_items)
    # deterministic items are still scored
    assert {i.id: i.answer for i in result.items}["recording-disclosure"] == "Yes"


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("refusal", "llm_refusal"),
        ("text_refusal", "llm_refusal"),
        ("content_filter", "llm_content_filter"),
    ],
)
def test_refusals_go_straight_to_review(fake_llm, card, good, fault, reason):
    fake_llm.set_mode(fault)
    result = run(fake_llm, card, good)
    assert result.review_reasons[0] == reason and len(result.calls) == 1
    assert result.percentage is None and not result.retryable


def test_hallucinated_quotes_earn_no_credit_and_are_flagged(fake_llm, card, good):
    fake_llm.set_mode("hallucinate")
    result = run(fake_llm, card, good)
    assert result.needs_review
    identity = {i.id: i for i in result.items}["identity"]
    assert identity.model_answer == "Yes" and identity.answer == "No" and identity.score == 0
    assert not identity.verified and identity.evidence and not identity.evidence[0].verified
    assert "unverified_evidence:identity" in result.review_reasons
    assert result.percentage is not None  # a score exists, with no credit for unproven items


def test_429_with_retry_after_then_success(fake_llm, card, good):
    fake_llm.script("rate_limit:0.05", "rate_limit:0.05")
    result = run(fake_llm, card, good)
    assert not result.needs_review and len(result.calls) == 1


def test_persistent_429_and_5xx_become_retryable_review(fake_llm, card, good):
    for mode in ("rate_limit:0.01", "server_error"):
        fake_llm.set_mode(mode)
        result = run(fake_llm, card, good, max_retries=2)
        assert result.review_reasons == ["llm_unavailable"] and result.retryable


def test_an_html_page_instead_of_json_is_needs_review(fake_llm, card, good):
    fake_llm.set_mode("html")
    result = run(fake_llm, card, good)
    assert result.needs_review and result.percentage is None
    assert result.review_reasons == ["llm_error"] and len(result.calls) == 1


def test_one_5xx_is_retried(fake_llm, card, good):
    fake_llm.script("server_error")
    assert not run(fake_llm, card, good).needs_review


def test_slow_answers_time_out_then_review(fake_llm, card, good):
    fake_llm.set_mode("slow:1.5")
    result = run(fake_llm, card, good, timeout=0.3, max_retries=1)
    assert result.review_reasons == ["llm_unavailable"]
    fake_llm.set_mode("slow:0.2")
    assert not run(fake_llm, card, good, timeout=3).needs_review


def test_servers_without_json_schema_get_json_mode(fake_llm, card, good):
    fake_llm.set_mode("no_json_schema")
    chat = fake_llm.chat()
    result = score(good, card, chat, EngineConfig())
    assert not result.needs_review and chat.mode == "json_object"
    body = fake_llm.bodies[-1]
    assert body["response_format"] == {"type": "json_object"}
    assert "JSON Schema of the answer" in body["messages"][0]["content"]


def test_redaction_is_neutralized_and_never_costs_points(fake_llm, card, good):
    result = run(fake_llm, card, good)
    user = fake_llm.bodies[-1]["messages"][1]["content"]
    assert "[REDACTED]" not in user and NEUTRAL_TOKEN in user
    assert "ignore it" in fake_llm.bodies[-1]["messages"][0]["content"].lower()
    assert {i.id: i.score for i in result.items}["identity"] == 2


def test_redacted_disclosure_is_flagged_not_charged(fake_llm, card):
    turns = list(GOOD_TURNS)
    turns[2] = ("agent", "Sure. This chat may be [REDACTED] for quality purposes.")
    result = run(fake_llm, card, plain(*turns))
    item = {i.id: i for i in result.items}["recording-disclosure"]
    assert "disclosure_redacted:recording-disclosure" in result.review_reasons
    assert item.excluded and item.note == "disclosure_redacted"
    # excluded from totals, not scored as a failure: same percentage as a compliant call
    compliant = run(fake_llm, card, plain(*GOOD_TURNS))
    assert result.percentage == pytest.approx(
        _without(compliant, card, "recording-disclosure"), abs=0.01
    )


def _without(result, card, qid):
    weights = {s.id: s.weight for s in card.sections}
    num = sum(i.score * weights[i.section_id] for i in result.items if i.id != qid and not i.na)
    den = sum(i.max_score * weights[i.section_id] for i in result.items if i.id != qid and not i.na)
    return round(num / den * 100, 2)


def test_low_asr_confidence_voice_is_flagged_without_a_call(fake_llm, card):
    doc_turns = [{"speaker": s, "text": t, "confidence": 0.4} for s, t in GOOD_TURNS]
    from service.transcripts.rules import parse_document

    t = parse_document({"mediaType": "call", "turns": doc_turns})
    before = fake_llm.state.requests
    result = run(fake_llm, card, t)
    assert result.review_reasons[0] == "low_asr_confidence" and fake_llm.state.requests == before


def test_risky_content_bypasses_the_llm(fake_llm, card):
    turns = [*GOOD_TURNS, *[("customer", "I will hurt you, I know where you live")] * 3]
    before = fake_llm.state.requests
    result = run(fake_llm, card, plain(*turns))
    assert result.review_reasons[0] == "content_risk" and fake_llm.state.requests == before
