"""The evaluation page's content: each question's answer (Genesys), the automated score's items
with their evidence, and the transcript turns with verified quotes highlighted."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from service.auth import divisions
from service.auth.rules import Principal
from service.errors import NotFound
from service.genesys import get_genesys
from service.workspace import service as ws

log = logging.getLogger(__name__)


@dataclass
class Question:
    """One question: its text, the answer given, the automated answer and its evidence."""

    id: str
    text: str
    answer: str = ""
    score: float | None = None
    auto_answer: str = ""
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class EvaluationView:
    """Everything the page shows."""

    evaluation_id: str
    agent_id: str
    form_name: str = ""
    total: float | None = None
    status: str = ""
    questions: list[Question] = field(default_factory=list)
    turns: list[dict[str, Any]] = field(default_factory=list)  # speaker, parts[(text, marked)]
    transcript_note: str = ""
    topics: tuple[str, ...] = ()  # Speech & Text Analytics topic names of the conversation
    review: Any = None  # service.disputes.schemas.ReviewOut when the caller may see one


def may_see(agent_id: str, principal: Principal, team: Collection[str]) -> bool:
    """An agent sees their own evaluations; a supervisor their team's; admins and evaluators all."""
    if principal.role == "agent":
        return agent_id == principal.user_id
    if principal.role == "supervisor":
        return agent_id in team
    return True


def build(
    db: Session, *, evaluation_id: str, principal: Principal, team: Collection[str]
) -> EvaluationView:
    """The page's content; raises ``NotFound`` for an unknown evaluation or another's."""
    ref = ws.evaluation_ref(db, evaluation_id) or _review_ref(db, evaluation_id)
    if (
        ref is None
        or not may_see(ref.agent_id, principal, team)
        or not divisions.agent_visible(db, principal, ref.agent_id)
    ):
        raise NotFound("No such evaluation.", code="evaluation_not_found")
    view = EvaluationView(evaluation_id, ref.agent_id)
    view.review = _review(db, evaluation_id, principal, team)
    result = ws.scoring_result(db, evaluation_id) or {}
    items = {str(i["id"]): i for i in result.get("items", [])}
    api = get_genesys()
    evaluation, form = _genesys(api, ref.conversation_id, evaluation_id)
    view.form_name = str((form or {}).get("name") or "")
    view.status = str((evaluation or {}).get("status") or "")
    answers = (evaluation or {}).get("answers") or {}
    view.total = answers.get("totalScore", result.get("percentage"))
    view.questions = questions(form or {}, answers, dict(items))
    view.turns, view.transcript_note, view.topics = _turns(api, ref.conversation_id, items)
    return view


def _review_ref(db: Session, evaluation_id: str) -> ws.EvaluationRef | None:
    """An evaluation known only from its review (opened from a Genesys event)."""
    from sqlalchemy import select

    from service.disputes.models import Review

    row = db.execute(
        select(Review.agent_id, Review.conversation_id).where(Review.evaluation_id == evaluation_id)
    ).first()
    return ws.EvaluationRef(evaluation_id, str(row[0]), str(row[1])) if row else None


def _review(db: Session, evaluation_id: str, principal: Principal, team: Collection[str]) -> Any:
    from service import get_settings
    from service.disputes import service as reviews

    try:
        return reviews.get_review(
            db,
            evaluation_id=evaluation_id,
            principal=principal,
            settings=get_settings(),
            team=list(team),
        )
    except NotFound:
        return None


def _genesys(api: Any, conversation_id: str, evaluation_id: str) -> tuple[Any, Any]:
    if api is None or not conversation_id:
        return None, None
    try:
        evaluation = api.get_evaluation(conversation_id, evaluation_id)
        form_id = (evaluation.get("evaluationForm") or {}).get("id", "")
        return evaluation, api.get_published_form(form_id) if form_id else None
    except Exception as exc:  # the page still shows the automated score and transcript
        log.info("evaluation lookup failed: %s", type(exc).__name__)
        return None, None


def questions(
    form: dict[str, Any], answers: dict[str, Any], items: dict[str, Any]
) -> list[Question]:
    """Questions in form order with the given answer (option text) and the automated one."""
    given = {
        str(q.get("questionId")): q
        for group in answers.get("questionGroupScores") or []
        for q in group.get("questionScores") or []
    }
    out = []
    for group in form.get("questionGroups") or []:
        for q in group.get("questions") or []:
            qid = str(q.get("id"))
            out.append(_question(q, given.get(qid), items.pop(qid, None)))
    for qid, item in items.items():  # scored questions the form no longer lists
        out.append(_question({"id": qid, "text": qid}, None, item))
    return out


def _question(q: dict[str, Any], given: Any, item: Any) -> Question:
    options = {str(o.get("id")): str(o.get("text") or "") for o in q.get("answerOptions") or []}
    question = Question(str(q.get("id")), str(q.get("text") or "Question"))
    if given:
        question.answer = options.get(
            str(given.get("answerId")), "N/A" if given.get("markedNA") else ""
        )
        question.score = given.get("score")
    if item:
        question.auto_answer = str(item.get("answer") or "Not scored")
        question.evidence = list(item.get("evidence") or [])
    return question


def highlight(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """Split a turn's text into (part, highlighted) pieces; overlapping spans merge."""
    parts: list[tuple[str, bool]] = []
    pos = 0
    for start, end in sorted(spans):
        start, end = max(start, pos), min(end, len(text))
        if end <= start:
            continue
        if start > pos:
            parts.append((text[pos:start], False))
        parts.append((text[start:end], True))
        pos = end
    if pos < len(text):
        parts.append((text[pos:], False))
    return parts


def _turns(
    api: Any, conversation_id: str, items: dict[str, Any]
) -> tuple[list[Any], str, tuple[str, ...]]:
    """Marked turns, a note when there is no transcript, and the conversation's topic names
    (none when Genesys refuses or detected none: the page still renders)."""
    if api is None or not conversation_id:
        return [], "The transcript is not available (Genesys is not configured).", ()
    from service.transcripts.service import fetch_transcript

    try:
        transcript = fetch_transcript(api, conversation_id)
    except Exception as exc:
        log.info("transcript fetch failed: %s", type(exc).__name__)
        return [], "The transcript is not available.", ()
    return turns_with_marks(transcript.turns, items), "", transcript.topics


def turns_with_marks(turns: Any, items: dict[str, Any]) -> list[dict[str, Any]]:
    """Each turn's speaker and text pieces, verified evidence spans highlighted."""
    spans: dict[int, list[tuple[int, int]]] = {}
    for item in items.values():
        for e in item.get("evidence") or []:
            if e.get("verified") and e.get("span"):
                spans.setdefault(int(e["turn"]), []).append((int(e["span"][0]), int(e["span"][1])))
    return [
        {"speaker": t.speaker, "parts": highlight(t.text, spans.get(i, []))}
        for i, t in enumerate(turns)
    ]
