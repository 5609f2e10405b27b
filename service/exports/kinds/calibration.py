"""Export kinds of calibration: scores, answers, per-session statistics."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from service.calibration.models import CalibrationInteraction, CalibrationScore, CalibrationSession
from service.exports.kinds.common import INT, B, N, S, T
from service.exports.kinds.common import cols as _cols
from service.exports.registry import ExportKind, declare

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
    from service.calibration.service import progress, statistics
    from service.db import utcnow

    # The blindness gate decides as for any reader: an unrevealed session gives empty figures.
    report = statistics(ctx.session, sess, ctx.settings, progress(ctx.session, sess, utcnow()))
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
