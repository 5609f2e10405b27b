"""calibration: indexes on conversation_id (the governance reconciliation sweep and deletions
query by it)

Revision ID: calibration_0004
Revises: calibration_0003
Create Date: 2026-11-30 07:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "calibration_0004"
down_revision: str | Sequence[str] | None = "calibration_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_calibration_interactions_conversation_id",
        "calibration_interactions",
        ["conversation_id"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_calibration_interactions_conversation_id", table_name="calibration_interactions"
    )
