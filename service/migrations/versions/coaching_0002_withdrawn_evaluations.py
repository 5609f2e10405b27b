"""coaching: evaluation versions, started and withdrawn assignments

Revision ID: coaching_0002
Revises: coaching_0001
Create Date: 2026-11-30 03:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "coaching_0002"
down_revision: str | Sequence[str] | None = "coaching_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("coaching_assignments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("evaluation_version", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("started_at", service.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("close_reason", sa.String(length=40), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("review_flag", sa.String(length=40), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("flagged_at", service.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.drop_constraint("uq_coaching_assignments_evaluation_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_coaching_assignments_evaluation_id_evaluation_version",
            ["evaluation_id", "evaluation_version"],
        )


def downgrade() -> None:
    with op.batch_alter_table("coaching_assignments", schema=None) as batch_op:
        batch_op.drop_constraint(
            "uq_coaching_assignments_evaluation_id_evaluation_version", type_="unique"
        )
        batch_op.create_unique_constraint(
            "uq_coaching_assignments_evaluation_id", ["evaluation_id"]
        )
        batch_op.drop_column("flagged_at")
        batch_op.drop_column("review_flag")
        batch_op.drop_column("close_reason")
        batch_op.drop_column("started_at")
        batch_op.drop_column("evaluation_version")
