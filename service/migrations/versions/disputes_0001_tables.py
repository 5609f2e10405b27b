"""disputes: reviews, dispute rounds, disputed questions

Revision ID: disputes_0001
Revises: 0001_core
Create Date: 2026-11-30 04:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "disputes_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("disputes",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispute_reviews",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("evaluation_id", sa.String(length=128), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("agent_id", sa.String(length=128), nullable=False),
        sa.Column("supervisor_id", sa.String(length=128), nullable=False),
        sa.Column("evaluator_id", sa.String(length=128), nullable=False),
        sa.Column("form_id", sa.String(length=128), nullable=False),
        sa.Column("form_name", sa.String(length=512), nullable=False),
        sa.Column("queue_id", sa.String(length=128), nullable=False),
        sa.Column("queue_name", sa.String(length=512), nullable=False),
        sa.Column("interaction_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("released_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("original_score", sa.Float(), nullable=True),
        sa.Column("genesys_version", sa.Integer(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("writeback_state", sa.String(length=20), nullable=False),
        sa.Column("writeback_error", sa.Text(), nullable=True),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_reviews")),
        sa.UniqueConstraint("evaluation_id", name=op.f("uq_dispute_reviews_evaluation_id")),
    )
    with op.batch_alter_table("dispute_reviews", schema=None) as batch_op:
        batch_op.create_index(
            "ix_dispute_reviews_agent_status", ["agent_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_dispute_reviews_supervisor_status", ["supervisor_id", "status"], unique=False
        )

    op.create_table(
        "dispute_items",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("review_id", sa.String(length=36), nullable=False),
        sa.Column("round_number", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=128), nullable=False),
        sa.Column("question_group_id", sa.String(length=128), nullable=False),
        sa.Column("answer_id", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("new_answer_id", sa.String(length=128), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=False),
        sa.Column("decided_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["dispute_reviews.id"],
            name=op.f("fk_dispute_items_review_id_dispute_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_items")),
        sa.UniqueConstraint(
            "review_id",
            "round_number",
            "question_id",
            name=op.f("uq_dispute_items_review_id_round_number_question_id"),
        ),
    )
    op.create_table(
        "dispute_rounds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("review_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("opened_by", sa.String(length=128), nullable=False),
        sa.Column("opened_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_by", sa.String(length=128), nullable=False),
        sa.Column("answered_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("writeback_job_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["dispute_reviews.id"],
            name=op.f("fk_dispute_rounds_review_id_dispute_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_rounds")),
        sa.UniqueConstraint("review_id", "number", name=op.f("uq_dispute_rounds_review_id_number")),
    )


def downgrade() -> None:
    op.drop_table("dispute_rounds")
    op.drop_table("dispute_items")
    with op.batch_alter_table("dispute_reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_dispute_reviews_supervisor_status")
        batch_op.drop_index("ix_dispute_reviews_agent_status")

    op.drop_table("dispute_reviews")
