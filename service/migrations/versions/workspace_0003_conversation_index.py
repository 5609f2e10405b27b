"""workspace: indexes on conversation_id (the governance reconciliation sweep and deletions
query by it)

Revision ID: workspace_0003
Revises: workspace_0002
Create Date: 2026-11-30 07:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "workspace_0003"
down_revision: str | Sequence[str] | None = "workspace_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_coaching_session_interactions_conversation_id",
        "coaching_session_interactions",
        ["conversation_id"],
    )
    op.create_index(
        "ix_coaching_session_examples_conversation_id",
        "coaching_session_examples",
        ["conversation_id"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_coaching_session_examples_conversation_id", table_name="coaching_session_examples"
    )
    op.drop_index(
        "ix_coaching_session_interactions_conversation_id",
        table_name="coaching_session_interactions",
    )
