"""exports: change-cursor indexes on the sentiment tables

Revision ID: exports_0002
Revises: exports_0001
Create Date: 2026-11-30 06:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "exports_0002"
down_revision: str | Sequence[str] | None = "exports_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("sentiment_0001",)


def upgrade() -> None:
    op.create_index(
        "ix_exports_sentiment_interactions_changed", "sentiment_interactions", ["created_at", "id"]
    )
    op.create_index(
        "ix_exports_sentiment_recognitions_changed", "sentiment_recognitions", ["created_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_exports_sentiment_recognitions_changed", table_name="sentiment_recognitions")
    op.drop_index("ix_exports_sentiment_interactions_changed", table_name="sentiment_interactions")
