"""workspace: the audit trail of coaches' edits to coaching sessions

Revision ID: workspace_0004
Revises: workspace_0003
Create Date: 2026-11-30 06:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "workspace_0004"
down_revision: str | Sequence[str] | None = "workspace_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coaching_session_edits",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("changed_by", sa.String(length=128), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old_value", sa.String(length=64), nullable=False),
        sa.Column("new_value", sa.String(length=64), nullable=False),
        sa.Column("old_length", sa.Integer(), nullable=True),
        sa.Column("new_length", sa.Integer(), nullable=True),
        sa.Column("changed_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["coaching_sessions.id"],
            name=op.f("fk_coaching_session_edits_session_id_coaching_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coaching_session_edits")),
    )
    op.create_index(
        "ix_coaching_session_edits_session", "coaching_session_edits", ["session_id", "changed_at"]
    )
    op.create_index(
        "ix_coaching_session_edits_changed", "coaching_session_edits", ["changed_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_coaching_session_edits_changed", table_name="coaching_session_edits")
    op.drop_index("ix_coaching_session_edits_session", table_name="coaching_session_edits")
    op.drop_table("coaching_session_edits")
