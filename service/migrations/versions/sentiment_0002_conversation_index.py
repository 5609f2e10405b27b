"""sentiment: indexes on conversation_id (the governance reconciliation sweep and deletions
query by it)

Revision ID: sentiment_0002
Revises: sentiment_0001
Create Date: 2026-11-30 07:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "sentiment_0002"
down_revision: str | Sequence[str] | None = "sentiment_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_sentiment_recognitions_conversation_id", "sentiment_recognitions", ["conversation_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_sentiment_recognitions_conversation_id", table_name="sentiment_recognitions")
