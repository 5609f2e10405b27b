"""The accept-and-dispute state machine and its caps, as pure functions.

States (stored code -> label shown to people):

    pending_agent_review       Pending Agent Review       the agent accepts or disputes
    pending_supervisor_review  Pending Supervisor Review  the supervisor answers each question
    resolved                   Resolved                   the agent accepted (final)
    closed                     Closed                     the round cap or the window was reached

Transitions: Pending Agent Review -(accept)-> Resolved; -(dispute)-> Pending Supervisor Review
-(every disputed question answered)-> Pending Agent Review (next round), or Closed when that was
the last round allowed or the dispute window has passed. A review still waiting for the agent
when the window passes is Closed too. Caps as Genesys documents agent disputes: at most 5
dispute rounds per evaluation, within 45 days of its release (both settings:
``QM_DISPUTE_MAX_ROUNDS``, ``QM_DISPUTE_WINDOW_DAYS``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

PENDING_AGENT = "pending_agent_review"
PENDING_SUPERVISOR = "pending_supervisor_review"
RESOLVED = "resolved"
CLOSED = "closed"
STATUSES = (PENDING_AGENT, PENDING_SUPERVISOR, RESOLVED, CLOSED)
OPEN = (PENDING_AGENT, PENDING_SUPERVISOR)
FINAL = (RESOLVED, CLOSED)
LABELS = {
    PENDING_AGENT: "Pending Agent Review",
    PENDING_SUPERVISOR: "Pending Supervisor Review",
    RESOLVED: "Resolved",
    CLOSED: "Closed",
}

# Why a review ended (``outcome``).
ACCEPTED = "accepted"
ROUND_CAP = "round_cap_reached"
WINDOW = "window_closed"
DELETED = "evaluation_deleted"

TABS = ("pending", "disputes", "resolved")
UPHOLD = "uphold"
CHANGE = "change"


@dataclass(frozen=True)
class Limits:
    """The caps: dispute rounds per evaluation, and days after release a dispute may start."""

    max_rounds: int = 5
    window_days: int = 45


def label(status: str) -> str:
    """The label people see for a stored status."""
    return LABELS.get(status, status)


def window_open(released_at: datetime, now: datetime, limits: Limits) -> bool:
    """True while ``now`` is at most ``window_days`` x 24 h after the release (the end included)."""
    return now - released_at <= timedelta(days=limits.window_days)


def deadline(released_at: datetime, limits: Limits) -> datetime:
    """The last moment a dispute may be opened."""
    return released_at + timedelta(days=limits.window_days)


def effective(status: str, released_at: datetime, now: datetime, limits: Limits) -> tuple[str, str]:
    """(status, outcome) as of ``now``: a review waiting for the agent past its window is Closed."""
    if status == PENDING_AGENT and not window_open(released_at, now, limits):
        return CLOSED, WINDOW
    return status, ""


def refuse_accept(status: str) -> str:
    """Why the agent may not accept now ("" when they may)."""
    return "" if status == PENDING_AGENT else f"not_{PENDING_AGENT}"


def refuse_dispute(
    status: str, rounds: int, released_at: datetime, now: datetime, limits: Limits
) -> str:
    """Why the agent may not open dispute round ``rounds + 1`` now ("" when they may).

    Reasons: ``not_pending_agent_review``, ``round_cap_reached`` (``rounds`` already at the cap),
    ``window_closed`` (more than ``window_days`` after the release).
    """
    if status != PENDING_AGENT:
        return f"not_{PENDING_AGENT}"
    if rounds >= limits.max_rounds:
        return ROUND_CAP
    if not window_open(released_at, now, limits):
        return WINDOW
    return ""


def after_round(
    rounds: int, released_at: datetime, now: datetime, limits: Limits
) -> tuple[str, str]:
    """(status, outcome) once the supervisor has answered round ``rounds``.

    Back to the agent, unless no further round could be opened: Closed with ``round_cap_reached``
    after the last round allowed, ``window_closed`` past the window.
    """
    if rounds >= limits.max_rounds:
        return CLOSED, ROUND_CAP
    if not window_open(released_at, now, limits):
        return CLOSED, WINDOW
    return PENDING_AGENT, ""


def completed_rounds(status: str, rounds: int) -> int:
    """Dispute rounds the supervisor has answered (the open one does not count)."""
    return rounds - 1 if status == PENDING_SUPERVISOR and rounds > 0 else rounds


def in_tab(tab: str, status: str, rounds: int) -> bool:
    """The agent's review tabs: ``pending`` (waiting for someone), ``disputes`` (one or more
    disputed questions, any state), ``resolved`` (Resolved or Closed)."""
    if tab == "pending":
        return status in OPEN
    if tab == "disputes":
        return rounds > 0
    return status in FINAL


def coaching_review_status(statuses: Iterable[str]) -> str:
    """The review status a coaching session shows for its linked evaluations (seed 004):
    Pending Agent Review when any waits for the agent, else Pending Supervisor Review when any
    waits for the supervisor, else "" (the session keeps its own status)."""
    found = set(statuses)
    for status in OPEN:
        if status in found:
            return LABELS[status]
    return ""


# --- questions and answers -----------------------------------------------------------------


def question_table(evaluation: Mapping[str, Any], form: Mapping[str, Any] | None) -> list[dict]:
    """Every question of the form with the evaluation's answer and the answer options.

    Each item: ``questionGroupId``, ``groupName``, ``questionId``, ``text``, ``answerId``,
    ``answerText``, ``score``, ``markedNA``, ``options`` [{id, text, value}]. Without the form
    only the answered questions are listed (no texts, no options).
    """
    answered = {
        str(q.get("questionId")): q
        for group in (evaluation.get("answers") or {}).get("questionGroupScores") or []
        for q in group.get("questionScores") or []
    }
    if not form:
        return [_row({}, {}, qid, answer) for qid, answer in answered.items()]
    return [
        _row(group, question, str(question.get("id")), answered.get(str(question.get("id")), {}))
        for group in form.get("questionGroups") or []
        for question in group.get("questions") or []
    ]


def _row(group: Mapping[str, Any], question: Mapping[str, Any], qid: str, answer: Mapping) -> dict:
    options = [
        {"id": str(o.get("id")), "text": str(o.get("text") or ""), "value": o.get("value", 0)}
        for o in question.get("answerOptions") or []
    ]
    answer_id = str(answer.get("answerId") or "")
    return {
        "questionGroupId": str(group.get("id") or answer.get("questionGroupId") or ""),
        "groupName": str(group.get("name") or ""),
        "questionId": qid,
        "text": str(question.get("text") or ""),
        "answerId": answer_id,
        "answerText": next((o["text"] for o in options if o["id"] == answer_id), ""),
        "score": answer.get("score", 0),
        "markedNA": bool(answer.get("markedNA")),
        "options": options,
    }


def refuse_change(question: Mapping[str, Any] | None, decision: str, answer_id: str) -> str:
    """Why a supervisor's answer to one disputed question is refused ("" when it is fine).

    ``change`` needs one of that question's answer options, other than the current answer.
    """
    if question is None:
        return "question_not_disputed"
    if decision == UPHOLD:
        return "" if not answer_id or answer_id == question["answerId"] else "uphold_with_answer"
    if decision != CHANGE:
        return "unknown_decision"
    if answer_id not in {o["id"] for o in question["options"]}:
        return "answer_not_an_option"
    if answer_id == question["answerId"]:
        return "answer_unchanged"
    return ""


def apply_changes(
    answers: Mapping[str, Any], changes: Mapping[str, str], questions: Iterable[Mapping]
) -> dict[str, Any]:
    """The Genesys ``answers`` with each question in ``changes`` ({questionId: answerId}) set to
    the new option: its ``answerId``, ``score`` (the option's value) and not N/A. Totals are left
    to Genesys to recompute."""
    values = {
        (q["questionId"], o["id"]): o.get("value", 0) for q in questions for o in q["options"]
    }
    out = copy.deepcopy(dict(answers))
    for group in out.get("questionGroupScores") or []:
        for score in group.get("questionScores") or []:
            new = changes.get(str(score.get("questionId")))
            if new:
                score.update(answerId=new, score=values.get((score["questionId"], new), 0))
                score["markedNA"] = False
                group["markedNA"] = False
    return out


def changes_applied(answers: Mapping[str, Any], changes: Mapping[str, str]) -> bool:
    """True when the evaluation already carries every changed answer (a write-back that
    happened but whose answer was lost must not be written twice)."""
    current = {
        str(q.get("questionId")): str(q.get("answerId") or "")
        for group in answers.get("questionGroupScores") or []
        for q in group.get("questionScores") or []
    }
    return all(current.get(qid) == aid for qid, aid in changes.items())


def writeback_key(evaluation_id: str, round_number: int) -> str:
    """The idempotency key of the job writing one round's changed answers to Genesys."""
    return f"disputes.writeback:{evaluation_id}:{round_number}"
