"""Where calibration data comes from and goes to: candidate draws (inline or Genesys analytics),
mirroring sessions into Genesys calibrations, and collecting the finished evaluations back.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from service.calibration import rules, selection
from service.errors import InvalidInput
from service.settings import Settings


def draw_candidates(sel: Any, *, settings: Settings, genesys: Any, now: datetime) -> dict[str, Any]:
    """Run the seeded stratified draw over inline or Genesys candidates."""
    criteria = selection.Criteria(
        min_talk_seconds=(
            sel.minTalkSeconds
            if sel.minTalkSeconds is not None
            else settings.calibration_min_talk_seconds
        ),
        days=sel.days or settings.calibration_candidate_days,
    )
    if sel.source == "genesys":
        if genesys is None:
            raise InvalidInput("Genesys is not configured here.", code="genesys_not_configured")
        pool = fetch_genesys_candidates(
            genesys, now=now, days=criteria.days, max_pages=sel.maxPages
        )
    else:
        pool = [
            selection.Candidate(
                conversation_id=c.conversationId,
                agent_id=c.agentId,
                handle_seconds=c.handleSeconds,
                talk_seconds=c.talkSeconds,
                media_type=c.mediaType.lower(),
                has_recording=c.hasRecording,
                start=rules.aware(c.start) if c.start else None,
            )
            for c in sel.candidates
        ]
    seed = sel.seed if sel.seed is not None else secrets.randbelow(2**62)
    return selection.select(
        selection.eligible(pool, criteria, now),
        count=sel.count or settings.calibration_session_size,
        seed=seed,
        min_agents=sel.minAgents or settings.calibration_min_agents,
    )


def fetch_genesys_candidates(
    genesys: Any, *, now: datetime, days: int, max_pages: int, page_size: int = 100
) -> list[selection.Candidate]:
    """Page through the analytics conversation details query (voice, last ``days`` days)."""
    out: list[selection.Candidate] = []
    for page in range(1, max_pages + 1):
        body = selection.details_query(now, days, page, page_size)
        answer = genesys.query_conversation_details(body) or {}
        conversations = answer.get("conversations") or []
        out += [c for c in map(selection.candidate_from_details, conversations) if c]
        total = answer.get("totalHits")
        if len(conversations) < page_size or (isinstance(total, int) and page * page_size >= total):
            break
    return out


# --- Genesys calibrations ---


def calibration_body(sess: Any, interaction: Any) -> dict[str, Any]:
    """The ``POST /api/v2/quality/calibrations`` body of one interaction (people only)."""
    evaluators = [
        p.evaluator_id for p in sess.panel if p.kind == "human" and p.evaluator_id != sess.expert_id
    ]
    return {
        "conversation": {"id": interaction.conversation_id},
        "evaluationForm": {"id": sess.form_id},
        "calibrator": {"id": sess.calibrator_id},
        "evaluators": [{"id": e} for e in evaluators],
        "expertEvaluator": {"id": sess.expert_id},
    }


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def answers_from_evaluation(
    evaluation: dict[str, Any],
) -> tuple[float | None, list[dict[str, Any]]]:
    """The total score and per-question answers of a Genesys evaluation (parsed defensively)."""
    scoring = evaluation.get("answers") or {}
    answers = []
    for group in scoring.get("questionGroupScores") or []:
        for q in group.get("questionScores") or []:
            if q.get("questionId") and (q.get("answerId") or q.get("markedNA")):
                answers.append(
                    {
                        "questionId": str(q["questionId"]),
                        "answerId": str(q.get("answerId") or "NA"),
                        "score": None if q.get("markedNA") else _number(q.get("score")),
                    }
                )
    return _number(scoring.get("totalScore")), answers


def finished(evaluation: dict[str, Any]) -> bool:
    """FINISHED (REST) or Finished (events), any case."""
    return str(evaluation.get("status", "")).upper() == "FINISHED"
