"""``/app/calibration/<sessionId>``: a panelist's blind scoring form, progress for staff, and a
link to the session's report once revealed. Blindness and every refusal come from
``service.calibration.service`` (the same rules as the JSON API)."""

from __future__ import annotations

import logging
from typing import Any

from flask import request, session

from service.auth.views import current_principal
from service.calibration import service as calibration
from service.calibration.schemas import AnswerIn, ScoreIn
from service.db import get_session, utcnow
from service.errors import BadRequest
from service.genesys import get_genesys
from service.webapp.blueprint import bp, done, page

log = logging.getLogger(__name__)


def _transcript(conversation_id: str) -> list[Any]:
    api = get_genesys()
    if api is None:
        return []
    from service.transcripts.service import fetch_transcript

    try:
        return list(fetch_transcript(api, conversation_id).turns)
    except Exception as exc:
        log.info("calibration transcript unavailable: %s", type(exc).__name__)
        return []


@bp.get("/app/calibration/<session_id>", endpoint="calibration")
def calibration_page(session_id: str) -> tuple[str, int]:
    """The form per interaction (questions, transcript); your own scores; progress for staff."""
    db = get_session()
    me = current_principal()
    sess, state, shown, hidden = calibration.visible_scores(
        db, session_id=session_id, principal=me, now=utcnow()
    )
    mine = {s.interaction_id: s for s in shown if s.evaluator_id == me.user_id}
    panelist = me.user_id in calibration.panel_ids(sess)
    selected = request.args.get("conversation", "")
    items = [
        {
            "interaction": i,
            "mine": mine.get(i.id),
            "turns": _transcript(i.conversation_id) if selected == i.conversation_id else [],
        }
        for i in sorted(sess.interactions, key=lambda i: i.position)
    ]
    return page(
        "calibration.html",
        sess=sess,
        state=state,
        items=items,
        panelist=panelist,
        staff=me.is_staff,
        hidden=hidden,
        selected=selected,
    )


@bp.post("/app/calibration/<session_id>/scores")
def calibration_score(session_id: str) -> Any:
    """Submit (or, before the reveal, replace) your score of one interaction."""
    db = get_session()
    sess = calibration.visible_session(db, session_id=session_id, principal=current_principal())
    answers = []
    for q in sess.questions or []:
        raw = request.form.get(f"q-{q['id']}", "").strip()
        try:
            value = float(raw)
        except ValueError:
            raise BadRequest(f"Score every question ({q.get('name') or q['id']}).") from None
        if not 0 <= value <= 100:
            raise BadRequest("Scores are between 0 and 100.", code="invalid_form")
        answers.append(AnswerIn(questionId=str(q["id"]), answerId="pct", score=value, maxScore=100))
    total = round(sum(a.score or 0 for a in answers) / len(answers), 2) if answers else 0.0
    data = ScoreIn(
        conversationId=request.form.get("conversation_id", ""),
        evaluatorId=str(session.get("uid", "")),
        totalScore=total,
        answers=answers,
    )
    calibration.submit(
        db, session_id=sess.id, data=data, principal=current_principal(), now=utcnow(), source="web"
    )
    return done(f"/app/calibration/{sess.id}")
