"""What the trust report reads from other domains' tables: automated results, the pairs of
automated and human answers (calibration, evaluations scored both ways), decided disputes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.calibration import reports
from service.disputes.models import DisputeItem, Review
from service.exports.rules import instant
from service.insights import trust
from service.insights.models import EvaluationAnswer
from service.scoring.models import ScoringRequest

MAX_ROWS = 200_000  # rows read per query: a bound, far above a year of one org's evaluations


def languages(requests: Iterable[ScoringRequest]) -> dict[str, str]:
    """Conversation id -> the transcript language its automated scoring recorded."""
    return {
        r.conversation_id: str(r.result.get("language") or "")
        for r in requests
        if isinstance(r.result, dict) and r.result.get("language")
    }


def automated(session: Session) -> list[ScoringRequest]:
    """Automated scoring results, newest first (at most ``MAX_ROWS``)."""
    return list(
        session.scalars(
            select(ScoringRequest)
            .where(ScoringRequest.result.is_not(None))
            .order_by(ScoringRequest.created_at.desc())
            .limit(MAX_ROWS)
        )
    )


def calibration_pairs(found: list[reports.Revealed], language: dict[str, str]) -> list[trust.Pair]:
    """The AI panelists' answers next to the humans' (majority, else the expert's)."""
    forms = {r.sess.id: r.sess.form_id for r in found}
    out = []
    for _ai, items in sorted(reports.ai_items(found).items()):
        for item in items:
            human = item.human_majority or item.expert_answer
            if human is None:
                continue
            session_id, _, conversation = item.interaction_id.partition("/")
            lang = language.get(conversation, trust.UNKNOWN_LANGUAGE)
            out.append(
                trust.Pair(
                    forms[session_id],
                    item.question_id,
                    item.interaction_id,
                    item.at,
                    item.ai_answer,
                    human,
                    "calibration",
                    lang,
                )
            )
    return out


def evaluation_pairs(session: Session, automated: list[ScoringRequest]) -> list[trust.Pair]:
    """Automated answers next to a human evaluation of the same conversation and form."""
    ai_ids = {r.evaluation_id for r in automated if r.evaluation_id}
    by_conv: dict[str, list[ScoringRequest]] = {}
    for r in automated:
        by_conv.setdefault(r.conversation_id, []).append(r)
    if not by_conv:
        return []
    humans = session.scalars(
        select(EvaluationAnswer).where(EvaluationAnswer.conversation_id.in_(list(by_conv)))
    )
    out = []
    for h in humans:
        if h.evaluation_id in ai_ids:
            continue
        for r in by_conv[h.conversation_id]:
            if h.form_id not in (r.scorecard_version, r.scorecard_id):
                continue
            ai = _ai_answer(r.result or {}, h.question_id)
            if ai is not None:
                lang = str((r.result or {}).get("language") or trust.UNKNOWN_LANGUAGE)
                at = instant(h.evaluated_at).isoformat()
                unit = f"{h.evaluation_id}/{r.id}"
                out.append(
                    trust.Pair(
                        h.form_id, h.question_id, unit, at, ai, h.answer_id, "evaluation", lang
                    )
                )
    return out


def _ai_answer(result: dict[str, Any], question_id: str) -> str | None:
    for item in result.get("items") or []:
        if item.get("id") == question_id and item.get("answerId") and not item.get("excluded"):
            return str(item["answerId"])
    return None


def disputed(session: Session, automated: list[ScoringRequest]) -> list[trust.Disputed]:
    """Every decided disputed answer, marked automated when the evaluation was written by us."""
    ai_ids = {r.evaluation_id for r in automated if r.evaluation_id}
    rows = session.execute(
        select(DisputeItem, Review)
        .join(Review, Review.id == DisputeItem.review_id)
        .where(DisputeItem.decision.in_(("upheld", "changed")))
        .limit(MAX_ROWS)
    )
    return [
        trust.Disputed(
            review.form_id,
            item.question_id,
            review.evaluator_id,
            review.evaluation_id in ai_ids,
            item.decision == "changed",
        )
        for item, review in rows
    ]
