"""The request budget, per-request fake modes, the redaction guard and the evaluation body."""

from __future__ import annotations

import json

import pytest

from service.llm.budget import MinuteBudget
from service.llm.client import ChatResult
from service.scoring.engine import EngineConfig, score
from service.scoring.scorecard import from_genesys_form
from service.scoring.writeback import build_body, parity_problems, question_comment
from tests.scoring.conftest import EXAMPLES, GOOD_TURNS, plain


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_budget_limits_requests_per_minute():
    clock = Clock()
    budget = MinuteBudget(2, 0, clock=clock, sleep=clock.sleep)
    budget.acquire(10)
    budget.acquire(10)
    assert budget.wait_time(10) == 60.0
    budget.acquire(10)  # blocks until the first request leaves the window
    assert clock.now >= 60.0


@pytest.mark.parametrize(("used", "wait"), [(899, 0.0), (900, 0.0), (901, 60.0)])
def test_budget_token_boundary(used, wait):
    clock = Clock()
    budget = MinuteBudget(0, 1000, clock=clock, sleep=clock.sleep)
    budget.acquire(used)
    assert budget.wait_time(100) == wait


def test_budget_settles_estimates():
    clock = Clock()
    budget = MinuteBudget(0, 1000, clock=clock, sleep=clock.sleep)
    budget.acquire(900)
    budget.settle(900, 100)
    assert budget.wait_time(800) == 0.0


def test_fake_mode_per_request_header(fake_llm):
    chat = fake_llm.chat(default_headers={"X-Fake-Mode": "refusal"})
    card_path = EXAMPLES / "scorecards" / "retail_support.yaml"
    from service.scoring.scorecard import load_yaml

    result = score(plain(*GOOD_TURNS), load_yaml(card_path), chat, EngineConfig())
    assert result.review_reasons == ["llm_refusal"]


class Scripted:
    """A ChatModel that answers fixed JSON."""

    model = "scripted"

    def __init__(self, answer: dict) -> None:
        self.answer = answer

    def complete_json(self, messages, schema, *, name, max_tokens):
        return ChatResult(json.dumps(self.answer), "stop", self.model, 10, 5, 1.0, "json_schema")


FORM = json.loads((EXAMPLES / "genesys" / "published_form.json").read_text())


def _answers(**over):
    base = {
        "q-greeting": {
            "answer": "Yes",
            "evidence": [{"turn": 0, "quote": "How can I help you today?"}],
            "rationale": "ok",
        },
        "q-verify": {
            "answer": "Yes",
            "evidence": [{"turn": 3, "quote": "to verify your account"}],
            "rationale": "ok",
        },
        "q-close": {"answer": "N/A", "evidence": [], "rationale": "did not arise"},
    }
    base.update(over)
    return base


def test_low_answer_blaming_redacted_data_is_flagged():
    card = from_genesys_form(FORM)
    ans = _answers(
        **{
            "q-verify": {
                "answer": "No",
                "evidence": [],
                "rationale": "The order number is [CUSTOMER_DATA].",
            }
        }
    )
    result = score(plain(*GOOD_TURNS), card, Scripted(ans), EngineConfig())
    assert "redaction_penalty:q-verify" in result.review_reasons


def test_evaluation_body_maps_ids_points_na_and_comments():
    card = from_genesys_form(FORM)
    long_rationale = "x " * 400
    ans = _answers(
        **{
            "q-verify": {
                "answer": "Partly",
                "evidence": [{"turn": 3, "quote": "May I have your full name"}],
                "rationale": long_rationale,
            }
        }
    )
    result = score(plain(*GOOD_TURNS), card, Scripted(ans), EngineConfig())
    assert not result.needs_review, result.review_reasons
    body = build_body(
        card, result, conversation_id="c", agent_id="a", evaluator_id="svc", comment_limit=100
    )
    assert body["evaluationForm"] == {"id": "7f0c1b9e-form-v1"}
    groups = {g["questionGroupId"]: g for g in body["answers"]["questionGroupScores"]}
    scores = {q["questionId"]: q for g in groups.values() for q in g["questionScores"]}
    assert scores["q-verify"] == {
        "questionId": "q-verify",
        "answerId": "a-ver-part",
        "score": 1,
        "markedNA": False,
        "comments": scores["q-verify"]["comments"],
    }
    assert len(scores["q-verify"]["comments"]) <= 100 and scores["q-verify"]["comments"].endswith(
        "…"
    )
    assert scores["q-close"]["markedNA"] is True and "answerId" not in scores["q-close"]
    # the form requires "this call may be recorded", the chat said "this chat ...": a fail
    assert scores["q-disclosure"]["answerId"] == "a-disc-no"
    assert not groups["grp-handling"]["markedNA"]
    assert parity_problems(body, card) == []
    changed = json.loads(json.dumps(FORM))
    changed["questionGroups"][1]["questions"][0]["answerOptions"][1]["id"] = "a-ver-part-2"
    assert parity_problems(body, from_genesys_form(changed)) == [
        "answer a-ver-part of q-verify is gone"
    ]


def test_fractional_points_are_floored():
    card = from_genesys_form(
        {
            **FORM,
            "questionGroups": [
                {
                    **FORM["questionGroups"][1],
                    "questions": [
                        {
                            **FORM["questionGroups"][1]["questions"][0],
                            "answerOptions": [
                                {"id": "hi", "text": "Yes", "value": 4.7},
                                {"id": "lo", "text": "No", "value": 0},
                            ],
                        }
                    ],
                }
            ],
        }
    )
    ans = {
        "q-verify": {
            "answer": "Yes",
            "evidence": [{"turn": 3, "quote": "verify your account"}],
            "rationale": "",
        }
    }
    result = score(plain(*GOOD_TURNS), card, Scripted(ans), EngineConfig())
    body = build_body(
        card, result, conversation_id="c", agent_id="a", evaluator_id="s", comment_limit=480
    )
    assert body["answers"]["questionGroupScores"][0]["questionScores"][0]["score"] == 4


def test_comment_lists_only_verified_quotes():
    card = from_genesys_form(FORM)
    result = score(plain(*GOOD_TURNS), card, Scripted(_answers()), EngineConfig())
    item = {i.id: i for i in result.items}["q-greeting"]
    assert question_comment(item, 480).startswith('Evidence: turn 0: "How can I help you today?"')
