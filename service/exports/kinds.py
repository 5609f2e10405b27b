"""The export kinds: one declaration each. Column names and types are a stable contract.

Rules for changing this file: add columns at the end, never rename or retype one; a new kind is
one ``declare`` call (and a row in ``service/auth/matrix.py`` for its BI route). Then run
``python -m service.exports.dictionary > docs/data-dictionary.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from service.calibration.models import CalibrationInteraction, CalibrationScore, CalibrationSession
from service.coaching.models import CoachingAssignment
from service.exports.registry import Column, ExportKind, declare
from service.scoring.models import ScoringRequest
from service.sentiment.models import Recognition, SentimentInteraction

S, INT, N, B, T, D = "string", "integer", "number", "boolean", "timestamp", "date"


def _cols(*spec: tuple[str, Any, str]) -> tuple[Column, ...]:
    return tuple(Column(name, kind, text) for name, kind, text in spec)


# --- automated scoring -------------------------------------------------------------------------

_REQUEST_COLUMNS = (
    (
        "scoring_request_id",
        S,
        "QM Loop id of the automated scoring (one interaction, one scorecard version).",
    ),
    ("conversation_id", S, "Genesys conversation id."),
    ("agent_id", S, "Genesys user id of the scored agent (empty when unknown)."),
    ("evaluation_id", S, "Genesys evaluation written back from this scoring (empty when none)."),
    ("scorecard_id", S, "Scorecard (Genesys form) id."),
    ("scorecard_version", S, "Scorecard version scored against."),
    ("model", S, "LLM model that produced the answers."),
    ("prompt_version", S, "Version of the scoring prompt."),
    ("status", S, "queued, scored, written, needs_review or skipped."),
)


def _scoring_request(r: Any, _ctx: Any) -> Iterator[dict[str, Any]]:
    yield {
        "scoring_request_id": r.id,
        "conversation_id": r.conversation_id,
        "agent_id": r.agent_id,
        "evaluation_id": r.evaluation_id or "",
        "scorecard_id": r.scorecard_id,
        "scorecard_version": r.scorecard_version,
        "model": r.model,
        "prompt_version": r.prompt_version,
        "status": r.status,
        "percentage": r.percentage,
        "needs_review": r.status == "needs_review",
        "review_reasons": "; ".join(str(x) for x in r.review_reasons or []),
        "prompt_tokens": r.prompt_tokens,
        "completion_tokens": r.completion_tokens,
        "latency_ms": r.latency_ms,
        "created_at": r.created_at,
        "changed_at": r.updated_at,
    }


declare(
    ExportKind(
        name="scoring_requests",
        description="One row per automated scoring of one interaction (one scorecard version).",
        model=ScoringRequest,
        occurred=ScoringRequest.created_at,
        changed=ScoringRequest.updated_at,
        columns=_cols(
            *_REQUEST_COLUMNS,
            (
                "percentage",
                N,
                "Overall score in percent (0-100, 2 decimals); null when not scored.",
            ),
            ("needs_review", B, "True when a person must review the result."),
            ("review_reasons", S, "Why it needs review, '; '-separated."),
            ("prompt_tokens", INT, "LLM prompt tokens over every attempt."),
            ("completion_tokens", INT, "LLM completion tokens over every attempt."),
            ("latency_ms", N, "Time spent waiting for the LLM, milliseconds."),
            ("created_at", T, "When the scoring was requested (UTC)."),
            ("changed_at", T, "Last change of the row (UTC); the change cursor's column."),
        ),
        rows=_scoring_request,
        key=("scoring_request_id",),
        filters={
            "agent_id": ScoringRequest.agent_id,
            "status": ScoringRequest.status,
            "scorecard_id": ScoringRequest.scorecard_id,
        },
    )
)


def _item(r: Any, item: dict[str, Any]) -> dict[str, Any]:
    evidence = item.get("evidence") or []
    return {
        "scoring_request_id": r.id,
        "question_id": item.get("id", ""),
        "section_id": item.get("sectionId", ""),
        "conversation_id": r.conversation_id,
        "agent_id": r.agent_id,
        "evaluation_id": r.evaluation_id or "",
        "scorecard_id": r.scorecard_id,
        "scorecard_version": r.scorecard_version,
        "answer": item.get("answer"),
        "answer_id": item.get("answerId"),
        "points": item.get("score"),
        "max_points": item.get("maxScore"),
        "not_applicable": bool(item.get("na", False)),
        "excluded": bool(item.get("excluded", False)),
        "method": item.get("method", ""),
        "evidence_verified": bool(item.get("verified", False)),
        "evidence_count": len(evidence),
        "model": r.model,
        "prompt_version": r.prompt_version,
        "status": r.status,
        "created_at": r.created_at,
        "changed_at": r.updated_at,
    }


def _scoring_answers(r: Any, _ctx: Any) -> Iterator[dict[str, Any]]:
    for item in (r.result or {}).get("items", []):
        yield _item(r, item)


declare(
    ExportKind(
        name="scoring_answers",
        description="One row per question of an automated scoring: answer, points, evidence.",
        model=ScoringRequest,
        occurred=ScoringRequest.created_at,
        changed=ScoringRequest.updated_at,
        columns=_cols(
            ("scoring_request_id", S, "The automated scoring this answer belongs to."),
            ("question_id", S, "Scorecard question id."),
            ("section_id", S, "Scorecard section (question group) id."),
            *_REQUEST_COLUMNS[1:6],
            (
                "answer",
                S,
                "Chosen option text, 'N/A', or null when the model gave no usable answer.",
            ),
            ("answer_id", S, "Chosen option id (Genesys answer option id), or null."),
            ("points", N, "Points earned for this question."),
            ("max_points", N, "Points the question is worth."),
            ("not_applicable", B, "True when the answer is N/A (left out of totals)."),
            ("excluded", B, "True when left out of totals (e.g. a redacted disclosure)."),
            ("method", S, "llm or phrase (a deterministic phrase check)."),
            ("evidence_verified", B, "True when the quoted evidence was found in the transcript."),
            ("evidence_count", INT, "How many evidence quotes the answer cites."),
            *_REQUEST_COLUMNS[6:9],
            ("created_at", T, "When the scoring was requested (UTC)."),
            ("changed_at", T, "Last change of the scoring (UTC); the change cursor's column."),
        ),
        rows=_scoring_answers,
        key=("scoring_request_id", "question_id"),
        filters={
            "agent_id": ScoringRequest.agent_id,
            "status": ScoringRequest.status,
            "scorecard_id": ScoringRequest.scorecard_id,
        },
    )
)

# --- coaching ----------------------------------------------------------------------------------


def _assignment(a: Any, _ctx: Any) -> Iterator[dict[str, Any]]:
    yield {
        "assignment_id": a.id,
        "evaluation_id": a.evaluation_id,
        "evaluation_version": a.evaluation_version,
        "agent_id": a.agent_id,
        "conversation_id": a.conversation_id,
        "form_id": a.form_id,
        "section_id": a.section_id,
        "section_name": a.section_name,
        "percentage": a.percentage,
        "module_id": a.module_id,
        "evaluation_date": a.evaluation_date,
        "due_date": a.due_date,
        "trigger": a.trigger,
        "status": a.status,
        "close_reason": a.close_reason,
        "target": a.target,
        "delivery_state": a.delivery_state,
        "external_id": a.external_id,
        "created_at": a.created_at,
        "delivered_at": a.delivered_at,
        "started_at": a.started_at,
        "closed_at": a.closed_at,
        "changed_at": a.updated_at,
    }


_ASSIGNMENT_FIELDS = [
    "id",
    "evaluation_id",
    "evaluation_version",
    "agent_id",
    "conversation_id",
    "form_id",
    "section_id",
    "section_name",
    "percentage",
    "module_id",
    "evaluation_date",
    "due_date",
    "trigger",
    "status",
    "close_reason",
    "target",
    "delivery_state",
    "external_id",
    "created_at",
    "delivered_at",
    "started_at",
    "closed_at",
    "updated_at",
]


def _assignments_source() -> Any:
    # Plain columns, not entities: a million-row export skips building ORM objects.
    return select(*(getattr(CoachingAssignment, name) for name in _ASSIGNMENT_FIELDS))


declare(
    ExportKind(
        name="coaching_assignments",
        source=_assignments_source,
        description="One row per coaching assignment with its lifecycle (assigned ... closed).",
        model=CoachingAssignment,
        occurred=CoachingAssignment.created_at,
        changed=CoachingAssignment.updated_at,
        columns=_cols(
            ("assignment_id", S, "QM Loop coaching assignment id."),
            ("evaluation_id", S, "Genesys evaluation that triggered it."),
            ("evaluation_version", INT, "Genesys evaluation version (0 when not given)."),
            ("agent_id", S, "Genesys user id of the coached agent."),
            ("conversation_id", S, "Genesys conversation id (empty when not given)."),
            ("form_id", S, "Evaluation form id."),
            ("section_id", S, "Weakest section (question group) id."),
            ("section_name", S, "Weakest section name."),
            (
                "percentage",
                N,
                "Section score in percent that triggered coaching; null when unknown.",
            ),
            ("module_id", S, "Coaching/learning module mapped to the section."),
            ("evaluation_date", D, "Date of the evaluation; null when unknown."),
            ("due_date", D, "Due date of the coaching."),
            ("trigger", S, "What created it: data_action, event, scoring, ..."),
            ("status", S, "open, completed or cancelled."),
            (
                "close_reason",
                S,
                "Why the system closed it (e.g. evaluation_retracted); empty when a person did.",
            ),
            (
                "target",
                S,
                "Where it was delivered: local, genesys_learning, genesys_workitem, "
                "genesys_coaching_appointment or lms_webhook.",
            ),
            ("delivery_state", S, "pending, delivered, failed or local."),
            ("external_id", S, "Id of the item in the target system (empty for local)."),
            ("created_at", T, "When it was assigned (UTC)."),
            ("delivered_at", T, "When the target accepted it (UTC); null until then."),
            ("started_at", T, "When the agent started it (UTC); null until then."),
            ("closed_at", T, "When it was completed or cancelled (UTC); null while open."),
            ("changed_at", T, "Last change of the row (UTC); the change cursor's column."),
        ),
        rows=_assignment,
        key=("assignment_id",),
        filters={
            "agent_id": CoachingAssignment.agent_id,
            "status": CoachingAssignment.status,
            "form_id": CoachingAssignment.form_id,
            "target": CoachingAssignment.target,
        },
    )
)

# --- calibration -------------------------------------------------------------------------------


def _calibration_scores_source() -> Any:
    return select(
        CalibrationScore, CalibrationInteraction.conversation_id, CalibrationInteraction.agent_id
    ).join(CalibrationInteraction, CalibrationScore.interaction_id == CalibrationInteraction.id)


def _calibration_score(row: Any, _ctx: Any) -> Iterator[dict[str, Any]]:
    score, conversation_id, agent_id = row[:3]
    yield {
        "calibration_score_id": score.id,
        "session_id": score.session_id,
        "conversation_id": conversation_id,
        "agent_id": agent_id,
        "evaluator_id": score.evaluator_id,
        "total": score.total,
        "source": score.source,
        "submitted_at": score.submitted_at,
    }


_CAL_SCORE_KEYS = (
    ("session_id", S, "Calibration session id."),
    ("conversation_id", S, "Genesys conversation id of the calibrated interaction."),
    ("agent_id", S, "Genesys user id of the agent in the interaction."),
    ("evaluator_id", S, "Panelist: a Genesys user id, or ai:<model> for the AI scorer."),
)

declare(
    ExportKind(
        name="calibration_scores",
        description="One row per panelist and calibrated interaction: the panelist's total score.",
        model=CalibrationScore,
        occurred=CalibrationScore.submitted_at,
        changed=CalibrationScore.submitted_at,
        source=_calibration_scores_source,
        columns=_cols(
            ("calibration_score_id", S, "QM Loop id of the score."),
            *_CAL_SCORE_KEYS,
            ("total", N, "The panelist's total score in percent (0-100)."),
            ("source", S, "How it arrived: api, genesys (collected) or ai."),
            ("submitted_at", T, "When it was (last) submitted (UTC); the change cursor's column."),
        ),
        rows=_calibration_score,
        key=("calibration_score_id",),
        filters={
            "session_id": CalibrationScore.session_id,
            "evaluator_id": CalibrationScore.evaluator_id,
        },
    )
)


def _calibration_answers(row: Any, _ctx: Any) -> Iterator[dict[str, Any]]:
    score, conversation_id, agent_id = row[:3]
    for answer in score.answers or []:
        yield {
            "calibration_score_id": score.id,
            "question_id": answer.get("questionId", ""),
            "session_id": score.session_id,
            "conversation_id": conversation_id,
            "agent_id": agent_id,
            "evaluator_id": score.evaluator_id,
            "answer_id": answer.get("answerId"),
            "points": answer.get("score"),
            "max_points": answer.get("maxScore"),
            "submitted_at": score.submitted_at,
        }


declare(
    ExportKind(
        name="calibration_answers",
        description="One row per question a panelist answered in a calibration score.",
        model=CalibrationScore,
        occurred=CalibrationScore.submitted_at,
        changed=CalibrationScore.submitted_at,
        source=_calibration_scores_source,
        columns=_cols(
            ("calibration_score_id", S, "The calibration score this answer belongs to."),
            ("question_id", S, "Form question id."),
            *_CAL_SCORE_KEYS,
            ("answer_id", S, "Chosen answer option id; null when not given."),
            ("points", N, "Points given; null when not given."),
            ("max_points", N, "Points the question is worth; null when not given."),
            (
                "submitted_at",
                T,
                "When the score was (last) submitted (UTC); the change cursor's column.",
            ),
        ),
        rows=_calibration_answers,
        key=("calibration_score_id", "question_id"),
        filters={
            "session_id": CalibrationScore.session_id,
            "evaluator_id": CalibrationScore.evaluator_id,
        },
    )
)

_STAT_COLUMNS = (
    ("evaluator_count", INT, "Panelists who scored."),
    ("mean", N, "Mean of every human total score, percent."),
    ("std_dev", N, "Pooled within-interaction standard deviation, points."),
    ("range", N, "Largest range of totals on one interaction, points."),
    ("tier", S, "Tier of that range (aligned, acceptable, ...)."),
    ("variance_flag", B, "True when an interaction's range is over the flag limit."),
    ("expert_score", N, "The expert's mean total, percent."),
    ("max_deviation", N, "Largest absolute gap of a panelist to the expert, points."),
    ("worst_criterion", S, "Question with the least agreement."),
)


def _calibration_statistics(sess: Any, ctx: Any) -> Iterator[dict[str, Any]]:
    from service.calibration.service import statistics

    report = statistics(ctx.session, sess, ctx.settings)
    rel = report.get("reliability", {})
    yield {
        "session_id": sess.id,
        "form_id": sess.form_id,
        "expert_id": sess.expert_id,
        "interactions": len(sess.interactions),
        **{name: report["summary"].get(name) for name, _t, _d in _STAT_COLUMNS},
        "icc_2_1": rel.get("icc_2_1"),
        "icc_2_1_band": rel.get("icc_2_1_band"),
        "krippendorff_alpha": rel.get("krippendorff_alpha"),
        "created_at": sess.created_at,
        "revealed_at": sess.closed_at or sess.deadline,
    }


declare(
    ExportKind(
        name="calibration_statistics",
        description="One row per revealed calibration session: agreement and reliability.",
        model=CalibrationSession,
        occurred=CalibrationSession.created_at,
        changed=func.coalesce(CalibrationSession.closed_at, CalibrationSession.deadline),
        columns=_cols(
            ("session_id", S, "Calibration session id."),
            ("form_id", S, "Evaluation form id."),
            ("expert_id", S, "Genesys user id of the session's expert."),
            ("interactions", INT, "Interactions in the session."),
            *_STAT_COLUMNS,
            ("icc_2_1", N, "ICC(2,1) of the total scores; null below two raters and units."),
            ("icc_2_1_band", S, "Koo & Li band of ICC(2,1): poor, moderate, good, excellent."),
            (
                "krippendorff_alpha",
                N,
                "Interval Krippendorff's alpha of the totals; null when undefined.",
            ),
            ("created_at", T, "When the session was created (UTC)."),
            (
                "revealed_at",
                T,
                "When it was revealed: closed early, or its deadline (UTC); "
                "the change cursor's column.",
            ),
        ),
        rows=_calibration_statistics,
        key=("session_id",),
        filters={"form_id": CalibrationSession.form_id, "expert_id": CalibrationSession.expert_id},
    )
)


# --- sentiment and recognitions ----------------------------------------------------------------
# These tables keep no updated_at: the change cursor is the row's creation time, so a later
# change to a row (a recognition's delivery state) is not re-exported by an incremental run.


def _sentiment(r: Any, _ctx: Any) -> Iterator[dict[str, Any]]:
    yield {
        "sentiment_id": r.id,
        "conversation_id": r.conversation_id,
        "agent_id": r.agent_id,
        "queue_id": r.queue_id,
        "ended_at": r.ended_at,
        "customer_score": r.customer_score,
        "agent_score": r.agent_score,
        "customer_phrases": r.customer_phrases,
        "agent_phrases": r.agent_phrases,
        "source": r.source,
        "status": r.status,
        "decision": r.decision,
        "reason": r.reason,
        "assignment_id": r.assignment_id,
        "recognition_id": r.recognition_id,
        "created_at": r.created_at,
    }


declare(
    ExportKind(
        name="sentiment_interactions",
        description="One row per finished interaction and agent: its sentiment and the decision.",
        model=SentimentInteraction,
        occurred=SentimentInteraction.ended_at,
        changed=SentimentInteraction.created_at,
        columns=_cols(
            ("sentiment_id", S, "QM Loop id of the sentiment record."),
            ("conversation_id", S, "Genesys conversation id."),
            ("agent_id", S, "Genesys user id of the agent."),
            ("queue_id", S, "Genesys queue id (empty when unknown)."),
            ("ended_at", T, "When the interaction ended (UTC)."),
            ("customer_score", N, "Customer sentiment, -100 to 100; null when unknown."),
            ("agent_score", N, "Agent sentiment, -100 to 100; null when unknown."),
            ("customer_phrases", INT, "Customer phrases the score is based on."),
            ("agent_phrases", INT, "Agent phrases the score is based on."),
            (
                "source",
                S,
                "Where the scores came from (given in the event, Genesys speech analytics, ...).",
            ),
            ("status", S, "qualifying (negative enough to count), neutral or unknown."),
            ("decision", S, "What it led to: coach, kudos, none."),
            ("reason", S, "Why that decision."),
            ("assignment_id", S, "Coaching assignment it created (empty when none)."),
            ("recognition_id", S, "Recognition it created (empty when none)."),
            ("created_at", T, "When QM Loop recorded it (UTC); the change cursor's column."),
        ),
        rows=_sentiment,
        key=("sentiment_id",),
        filters={
            "agent_id": SentimentInteraction.agent_id,
            "queue_id": SentimentInteraction.queue_id,
            "decision": SentimentInteraction.decision,
        },
    )
)


def _recognition(r: Any, _ctx: Any) -> Iterator[dict[str, Any]]:
    yield {
        "recognition_id": r.id,
        "agent_id": r.agent_id,
        "day": r.day,
        "conversation_id": r.conversation_id,
        "customer_score": r.customer_score,
        "delivery_state": r.delivery_state,
        "email_state": r.email_state,
        "created_at": r.created_at,
    }


declare(
    ExportKind(
        name="recognitions",
        description="One row per recognition (kudos) given to an agent, at most one a day.",
        model=Recognition,
        occurred=Recognition.created_at,
        changed=Recognition.created_at,
        columns=_cols(
            ("recognition_id", S, "QM Loop id of the recognition."),
            ("agent_id", S, "Genesys user id of the recognised agent."),
            ("day", D, "The day it is for (UTC)."),
            ("conversation_id", S, "The highly positive interaction behind it."),
            ("customer_score", N, "Customer sentiment of that interaction, -100 to 100."),
            ("delivery_state", S, "Kudos webhook delivery: local, pending, delivered, failed."),
            ("email_state", S, "Kudos email: none, pending, sent, no_address, ..."),
            ("created_at", T, "When it was given (UTC); the change cursor's column."),
        ),
        rows=_recognition,
        key=("recognition_id",),
        filters={"agent_id": Recognition.agent_id},
    )
)
