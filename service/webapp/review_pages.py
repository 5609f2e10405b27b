"""Accept and dispute in the browser, over ``service.disputes`` (its rules, caps and refusals):
``/app/reviews`` (the agent's tabs: Pending Review, Disputes, Resolved), ``/app/disputes`` (the
supervisor's queue), and the actions on the evaluation page (accept, dispute per question with a
reason, the supervisor's uphold or change with a comment)."""

from __future__ import annotations

from typing import Any

from flask import request

from service import get_settings
from service.auth.views import current_principal
from service.db import get_session
from service.disputes import service as reviews
from service.disputes.schemas import AnswerItemIn, DisputedQuestionIn
from service.errors import BadRequest
from service.webapp.blueprint import bp, done, page, team

TABS = {"pending": "Pending Review", "disputes": "Disputes", "resolved": "Resolved"}


@bp.get("/app/reviews", endpoint="reviews")
def reviews_page() -> tuple[str, int]:
    """One review tab: date, queue, supervisor audit score, review status / dispute rounds."""
    tab = request.args.get("tab", "pending")
    if tab not in TABS:
        raise BadRequest("Unknown tab.", code="unknown_tab")
    rows = reviews.list_reviews(
        get_session(),
        principal=current_principal(),
        settings=get_settings(),
        tab=tab,
        team=list(team()),
    )
    return page("reviews.html", rows=rows, tab=tab, tabs=TABS)


@bp.get("/app/disputes", endpoint="disputes")
def disputes_page() -> tuple[str, int]:
    """The supervisor's dispute queue: reviews Pending Supervisor Review, oldest first."""
    rows = reviews.dispute_queue(
        get_session(), principal=current_principal(), settings=get_settings(), team=list(team())
    )
    return page("disputes.html", rows=rows)


@bp.post("/app/evaluations/<evaluation_id>/accept", endpoint="review_accept")
def accept(evaluation_id: str) -> Any:
    """The agent accepts (acknowledges) the evaluation: Resolved."""
    reviews.accept(
        get_session(),
        evaluation_id=evaluation_id,
        principal=current_principal(),
        settings=get_settings(),
    )
    return done(f"/app/evaluations/{evaluation_id}")


def disputed_questions(form: Any) -> list[DisputedQuestionIn]:
    """The questions ticked on the dispute form, each with its reason (``reason-<id>``)."""
    picked = form.getlist("question")
    if not picked:
        raise BadRequest("Tick at least one question to dispute.", code="invalid_form")
    out = []
    for qid in picked:
        reason = form.get(f"reason-{qid}", "").strip()
        if not reason:
            raise BadRequest("Give a reason for every disputed question.", code="invalid_form")
        out.append(DisputedQuestionIn(questionId=qid, reason=reason[:2000]))
    return out


@bp.post("/app/evaluations/<evaluation_id>/dispute", endpoint="review_dispute")
def dispute(evaluation_id: str) -> Any:
    """The agent disputes one or more questions, each with a reason: Pending Supervisor Review."""
    reviews.dispute(
        get_session(),
        evaluation_id=evaluation_id,
        principal=current_principal(),
        settings=get_settings(),
        questions=disputed_questions(request.form),
    )
    return done(f"/app/evaluations/{evaluation_id}")


def answered_questions(form: Any) -> list[AnswerItemIn]:
    """Each answered question of the round: ``decision-<id>`` (uphold/change), ``answer-<id>``
    (the new option when changing), ``comment-<id>``; questions left blank are skipped."""
    out = []
    for qid in form.getlist("question"):
        decision = form.get(f"decision-{qid}", "")
        if not decision:
            continue
        comment = form.get(f"comment-{qid}", "").strip()
        if decision not in ("uphold", "change") or not comment:
            raise BadRequest(
                "Each answer needs uphold or change, and a comment.", code="invalid_form"
            )
        answer_id = form.get(f"answer-{qid}", "") if decision == "change" else ""
        out.append(
            AnswerItemIn(
                questionId=qid, decision=decision, answerId=answer_id, comment=comment[:2000]
            )
        )
    if not out:
        raise BadRequest("Answer at least one disputed question.", code="invalid_form")
    return out


@bp.post("/app/evaluations/<evaluation_id>/answer", endpoint="review_answer")
def answer(evaluation_id: str) -> Any:
    """The supervisor upholds or changes each disputed answer, with a comment."""
    reviews.answer(
        get_session(),
        evaluation_id=evaluation_id,
        principal=current_principal(),
        settings=get_settings(),
        answers=answered_questions(request.form),
        team=list(team()),
    )
    return done(f"/app/evaluations/{evaluation_id}")
