"""insights: indexes on conversation_id (the governance reconciliation sweep and deletions
query by it)

Revision ID: insights_0002
Revises: insights_0001
Create Date: 2026-11-30 07:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "insights_0002"
down_revision: str | Sequence[str] | None = "insights_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_insights_section_scores_conversation_id", "insights_section_scores", ["conversation_id"]
    )


def downgrade() -> None:
    op.drop_index(
        "ix_insights_section_scores_conversation_id", table_name="insights_section_scores"
    )
