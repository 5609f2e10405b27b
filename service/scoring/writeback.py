"""Write a scored result back to Genesys as an evaluation (idempotent create, PUT fallback)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.genesys.api import GenesysApi
from service.scoring import rules
from service.scoring.results import ItemResult, ScoreResult
from service.scoring.scorecard import Scorecard

AUTOMATED_TAG = "[Automated QA]"


def question_comment(item: ItemResult, limit: int) -> str:
    """Evidence and rationale of one answer, truncated to a safe length."""
    quotes = " | ".join(f'turn {e.turn}: "{e.quote}"' for e in item.evidence if e.verified)
    parts = [f"Evidence: {quotes}" if quotes else "", item.rationale]
    return rules.truncate(" ".join(p for p in parts if p), limit)


def overall_comment(result: ScoreResult, limit: int) -> str:
    """The evaluation comment: the tag QA reports filter on, plus model and prompt versions.

    Raises ``ValueError`` for a result without a percentage (nothing scorable): never written.
    """
    if result.percentage is None:
        raise ValueError("a result without a percentage is never written back")
    text = (
        f"{AUTOMATED_TAG} Scored by QM Loop with model {result.model}, prompt "
        f"{result.prompt_version}, scorecard version {result.scorecard_version}: "
        f"{result.percentage} %."
    )
    return rules.truncate(text, limit)


def _question_score(item: ItemResult, limit: int) -> dict[str, Any]:
    if item.na:
        return {"questionId": item.id, "markedNA": True, "comments": ""}
    return {
        "questionId": item.id,
        "answerId": item.answer_id,
        "score": rules.floor_points(item.score),
        "markedNA": False,
        "comments": question_comment(item, limit),
    }


def build_body(
    card: Scorecard,
    result: ScoreResult,
    *,
    conversation_id: str,
    agent_id: str,
    evaluator_id: str,
    comment_limit: int,
    status: str = "FINISHED",
) -> dict[str, Any]:
    """The create-evaluation body, built from the same form version whose id it sends."""
    by_id = {i.id: i for i in result.items}
    groups = []
    for section in card.sections:
        scores = [_question_score(by_id[q.id], comment_limit) for q in section.questions]
        all_na = all(s["markedNA"] for s in scores)
        groups.append(
            {
                "questionGroupId": section.id,
                "markedNA": bool(all_na and section.na_enabled),
                "questionScores": scores,
            }
        )
    return {
        "evaluationForm": {"id": card.version},
        "evaluator": {"id": evaluator_id},
        "agent": {"id": agent_id},
        "conversation": {"id": conversation_id},
        "status": status,
        "answers": {
            "comments": overall_comment(result, comment_limit),
            "questionGroupScores": groups,
        },
    }


def result_parity(result: ScoreResult, current: Scorecard) -> list[str]:
    """Question and answer ids of a result that the current form lacks (empty: consistent)."""
    known = current.id_pairs()
    questions = {(s, q) for s, q, _ in known}
    problems = []
    if result.scorecard_version != current.version:
        problems.append(f"form version {result.scorecard_version} != {current.version}")
    for item in result.items:
        if (item.section_id, item.id) not in questions:
            problems.append(f"question {item.id} is gone")
        elif not item.na and (item.section_id, item.id, item.answer_id) not in known:
            problems.append(f"answer {item.answer_id} of {item.id} is gone")
    if {q.id for q in current.questions} - {i.id for i in result.items}:
        problems.append("the form has new questions")
    return problems


def parity_problems(body: dict[str, Any], current: Scorecard) -> list[str]:
    """Ids in the body that the current form no longer has (empty: safe to send)."""
    known = current.id_pairs()
    groups = {s for s, _, _ in known}
    questions = {(s, q) for s, q, _ in known}
    problems = []
    if body["evaluationForm"]["id"] != current.version:
        problems.append(f"form version {body['evaluationForm']['id']} != {current.version}")
    for group in body["answers"]["questionGroupScores"]:
        gid = group["questionGroupId"]
        if gid not in groups:
            problems.append(f"question group {gid} is gone")
        for qs in group["questionScores"]:
            if (gid, qs["questionId"]) not in questions:
                problems.append(f"question {qs['questionId']} is gone")
            elif not qs["markedNA"] and (gid, qs["questionId"], qs["answerId"]) not in known:
                problems.append(f"answer {qs['answerId']} of {qs['questionId']} is gone")
    return problems


@dataclass
class WriteOutcome:
    evaluation_id: str
    request: dict[str, Any]
    response: dict[str, Any]


def create_evaluation(
    api: GenesysApi, *, conversation_id: str, agent_id: str, body: dict[str, Any]
) -> WriteOutcome:
    """Create the evaluation with an Idempotency-Key; PUT it to FINISHED if the create did not."""
    key = rules.evaluation_key(conversation_id, agent_id, body["evaluationForm"]["id"])
    created = api.create_evaluation(conversation_id, body, key)
    evaluation_id = str(created.get("id") or "")
    status = str(created.get("status") or "").upper()
    if evaluation_id and status != "FINISHED":
        # Whether create accepts FINISHED is undocumented; the PUT makes it final either way.
        created = api.update_evaluation(conversation_id, evaluation_id, body)
    return WriteOutcome(evaluation_id, body, created)
