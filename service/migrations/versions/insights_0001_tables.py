"""insights: section scores, evaluation answers, trust alerts

Revision ID: insights_0001
Revises: 0001_core
Create Date: 2026-11-30 06:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "insights_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("insights",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "insights_section_scores",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("evaluation_id", sa.String(length=128), nullable=False),
        sa.Column("evaluation_version", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=128), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("form_id", sa.String(length=128), nullable=False),
        sa.Column("section_id", sa.String(length=128), nullable=False),
        sa.Column("section_name", sa.String(length=512), nullable=False),
        sa.Column("section_key", sa.String(length=512), nullable=False),
        sa.Column("percentage", sa.Float(), nullable=False),
        sa.Column("evaluated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("evaluation_id", "section_id"),
    )
    op.create_index(
        "ix_insights_section_scores_key_at",
        "insights_section_scores",
        ["section_key", "evaluated_at"],
    )
    op.create_index("ix_insights_section_scores_agent_id", "insights_section_scores", ["agent_id"])
    op.create_table(
        "insights_evaluation_answers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("evaluation_id", sa.String(length=128), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("form_id", sa.String(length=128), nullable=False),
        sa.Column("evaluator_id", sa.String(length=128), nullable=False),
        sa.Column("question_id", sa.String(length=128), nullable=False),
        sa.Column("answer_id", sa.String(length=128), nullable=False),
        sa.Column("evaluated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("evaluation_id", "question_id"),
    )
    op.create_index(
        "ix_insights_evaluation_answers_conversation_id",
        "insights_evaluation_answers",
        ["conversation_id"],
    )
    op.create_table(
        "insights_alerts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("open_key", sa.String(length=800), nullable=True),
        sa.Column("form_id", sa.String(length=128), nullable=False),
        sa.Column("question_id", sa.String(length=128), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("owners", sa.JSON(), nullable=False),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("open_key"),
    )
    op.create_index("ix_insights_alerts_form_id", "insights_alerts", ["form_id"])


def downgrade() -> None:
    op.drop_index("ix_insights_alerts_form_id", table_name="insights_alerts")
    op.drop_table("insights_alerts")
    op.drop_index(
        "ix_insights_evaluation_answers_conversation_id", table_name="insights_evaluation_answers"
    )
    op.drop_table("insights_evaluation_answers")
    op.drop_index("ix_insights_section_scores_agent_id", table_name="insights_section_scores")
    op.drop_index("ix_insights_section_scores_key_at", table_name="insights_section_scores")
    op.drop_table("insights_section_scores")
