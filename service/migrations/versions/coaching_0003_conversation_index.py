"""coaching: indexes on conversation_id (the governance reconciliation sweep and deletions
query by it)

Revision ID: coaching_0003
Revises: coaching_0002
Create Date: 2026-11-30 07:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "coaching_0003"
down_revision: str | Sequence[str] | None = "coaching_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_coaching_assignments_conversation_id", "coaching_assignments", ["conversation_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_coaching_assignments_conversation_id", table_name="coaching_assignments")
