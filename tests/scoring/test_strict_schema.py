"""The scoring schema fits the strict structured-output subset; bounds are ours to enforce."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from service.llm.strict import (
    MAX_ENUM_VALUES,
    STRICT_KEYWORDS,
    reset_fallbacks,
    strict_problems,
    structured_output_fallbacks,
)
from service.scoring.engine import EngineConfig, score
from service.scoring.prompt import build_prompt, build_schema
from service.scoring.rules import validate_answer
from service.scoring.scorecard import from_dict
from service.transcripts.rules import Transcript
from tests.scoring.conftest import GOOD_TURNS, plain


@pytest.fixture
def good() -> Transcript:
    return plain(*GOOD_TURNS)


def _form(n_questions: int, n_answers: int = 3, na: bool = True) -> Any:
    """A Genesys-like form: ``n_questions`` LLM questions over four sections."""
    sections = []
    for s in range(4):
        questions = [
            {
                "id": f"q{s}-{i}",
                "text": f"Question {i} of section {s}: did the agent do thing {i}?",
                "naEnabled": na,
                "answers": [{"text": f"Option {a}", "value": a} for a in range(n_answers)],
            }
            for i in range(n_questions // 4)
        ]
        sections.append({"id": f"s{s}", "name": f"Section {s}", "questions": questions})
    return from_dict({"id": "big", "name": "Big form", "version": "1", "sections": sections})


def _keywords(node: Any) -> set[str]:
    if not isinstance(node, dict):
        return set()
    found = set(node)
    for sub in (node.get("properties") or {}).values():
        found |= _keywords(sub)
    return found | _keywords(node.get("items"))


def _objects(node: Any) -> list[dict[str, Any]]:
    if not isinstance(node, dict):
        return []
    found = [node] if node.get("type") == "object" else []
    for sub in (node.get("properties") or {}).values():
        found += _objects(sub)
    return found + _objects(node.get("items"))


def _depth(node: Any) -> int:
    if not isinstance(node, dict):
        return 0
    below = [_depth(s) for s in (node.get("properties") or {}).values()]
    below.append(_depth(node.get("items")) - (node.get("type") == "object"))
    return (node.get("type") == "object") + max(below, default=0)


def test_a_40_question_form_fits_the_documented_strict_subset() -> None:
    schema = build_schema(_form(40))
    assert strict_problems(schema) == []
    # The same facts, checked by hand so the checker itself cannot hide a fault.
    assert _keywords(schema) <= STRICT_KEYWORDS
    assert not {"minLength", "maxLength", "minimum", "maximum", "pattern"} & _keywords(schema)
    objects = _objects(schema)
    assert len(objects) == 1 + 40 + 40  # root, one per question, one evidence item each
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert set(obj["required"]) == set(obj["properties"])
    assert _depth(schema) == 3 <= 10
    assert sum(len(o["properties"]) for o in objects) == 40 + 40 * 3 + 40 * 2 <= 5000
    items = [o for o in objects if "answer" in o["properties"]]
    assert len(items) == 40
    assert sum(len(o["properties"]["answer"]["enum"]) for o in items) == 40 * 4 <= 1000


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda s: s["properties"]["q0-0"].update(additionalProperties=True), "must be false"),
        (lambda s: s["required"].pop(), "must be required"),
        (
            lambda s: s["properties"]["q0-0"]["properties"]["evidence"]["items"]["properties"][
                "quote"
            ].update(minLength=1),
            "'minLength' is outside",
        ),
        (
            lambda s: s["properties"]["q0-0"]["properties"]["evidence"]["items"]["properties"][
                "turn"
            ].update(minimum=0),
            "'minimum' is outside",
        ),
        (lambda s: s.update(anyOf=[{"type": "object"}]), "plain object"),
    ],
)
def test_each_strict_rule_is_checked(mutate: Any, expected: str) -> None:
    schema = build_schema(_form(4))
    mutate(schema)
    assert any(expected in p for p in strict_problems(schema))


@pytest.mark.parametrize(("answers", "ok"), [(23, True), (24, True), (25, False)])
def test_the_enum_value_limit_is_a_boundary(answers: int, ok: bool, caplog: Any) -> None:
    # 40 questions x (answers + N/A): 40 x 25 = 1000 is at the limit, 40 x 26 above it.
    card = _form(40, n_answers=answers)
    schema = build_schema(card)
    assert (40 * (answers + 1) <= MAX_ENUM_VALUES) is ok
    assert (strict_problems(schema) == []) is ok
    with caplog.at_level(logging.WARNING, logger="service.scoring.prompt"):
        build_prompt(card)
    warned = [r for r in caplog.records if "strict structured-output limits" in r.getMessage()]
    assert (warned == []) is ok


@pytest.mark.parametrize(
    ("turn", "quote", "error"),
    [
        (-1, "hello", "turn -1 does not exist"),
        (0, "hello", ""),
        (4, "hello", ""),
        (5, "hello", "turn 5 does not exist"),
        (0, "", "empty quote"),
        (0, "   ", "empty quote"),
    ],
)
def test_bounds_are_validated_by_us_not_the_engine(turn: int, quote: str, error: str) -> None:
    card = _form(4)
    schema = build_schema(card)
    data = {
        q.id: {"answer": q.worst.text, "evidence": [], "rationale": "-"} for q in card.questions
    }
    data["q0-0"] = {
        "answer": "Option 2",
        "evidence": [{"turn": turn, "quote": quote}],
        "rationale": "-",
    }
    worst = {q.id: q.worst.text for q in card.questions}
    errors = validate_answer(data, schema, worst, n_turns=5)
    assert (error in " ".join(errors)) if error else errors == []


@pytest.mark.parametrize("fault", ["negative_turn", "empty_quote"])
def test_an_out_of_range_answer_is_rejected_and_reasked(fake_llm, card, good, fault) -> None:  # type: ignore[no-untyped-def]
    fake_llm.script(fault)
    result = score(good, card, fake_llm.chat(), EngineConfig())
    assert not result.needs_review, result.review_reasons
    assert len(result.calls) == 2
    assert "does not exist" in result.calls[0].error or "empty quote" in result.calls[0].error
    assert "rejected" in fake_llm.bodies[-1]["messages"][-1]["content"]
    for item in result.items:
        assert all(0 <= ev.turn < len(good.turns) and ev.quote.strip() for ev in item.evidence)


def test_a_turn_of_minus_one_every_time_never_scores(fake_llm, card, good) -> None:  # type: ignore[no-untyped-def]
    fake_llm.set_mode("negative_turn")
    result = score(good, card, fake_llm.chat(), EngineConfig())
    assert result.needs_review and result.review_reasons[0].startswith("llm_invalid_answer")
    assert "turn -1 does not exist" in result.review_reasons[0]


def test_a_fallback_to_json_mode_is_a_counted_warning(fake_llm, card, good, caplog) -> None:  # type: ignore[no-untyped-def]
    reset_fallbacks()
    fake_llm.set_mode("no_json_schema")
    chat = fake_llm.chat()
    with caplog.at_level(logging.INFO, logger="service.llm"):
        result = score(good, card, chat, EngineConfig())
    assert not result.needs_review and chat.mode == "json_object"
    warnings = [r for r in caplog.records if "falling back to JSON mode" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "json_schema is not supported" in warnings[0].getMessage()
    state = structured_output_fallbacks()
    assert state["count"] == 1 and state["model"] == "fake-judge"
    assert "json_schema is not supported" in state["reason"]
    reset_fallbacks()
    assert structured_output_fallbacks() == {"count": 0, "model": "", "reason": ""}
