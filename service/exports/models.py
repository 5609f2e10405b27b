"""Indexes the change cursor reads by: ``(changed_at, id)`` on each exported source table.

Exports and BI pages read in change order from a cursor; without these, every incremental run
would sort the whole table. They belong to the data-out migration branch (``exports``); the
dispute tables declare theirs in their own domain (``service/disputes/models.py``).
Calibration statistics read by ``COALESCE(closed_at, deadline)`` over calibration sessions, a
table of a few rows per week, so they go without.
"""

from __future__ import annotations

from sqlalchemy import Index

from service.calibration.models import CalibrationScore
from service.coaching.models import CoachingAssignment
from service.scoring.models import ScoringRequest
from service.sentiment.models import Recognition, SentimentInteraction

CHANGE_INDEXES = (
    Index(
        "ix_exports_coaching_assignments_changed",
        CoachingAssignment.updated_at,
        CoachingAssignment.id,
    ),
    Index("ix_exports_scoring_requests_changed", ScoringRequest.updated_at, ScoringRequest.id),
    Index(
        "ix_exports_calibration_scores_changed", CalibrationScore.submitted_at, CalibrationScore.id
    ),
    Index(
        "ix_exports_sentiment_interactions_changed",
        SentimentInteraction.created_at,
        SentimentInteraction.id,
    ),
    Index("ix_exports_sentiment_recognitions_changed", Recognition.created_at, Recognition.id),
)
