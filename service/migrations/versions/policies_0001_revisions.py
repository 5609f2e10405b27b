"""policies: the history of policy changes

Revision ID: policies_0001
Revises: 0001_core
Create Date: 2026-11-30 06:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "policies_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("policies",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policy_revisions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_revisions")),
    )
    with op.batch_alter_table("policy_revisions", schema=None) as batch_op:
        batch_op.create_index("ix_policy_revisions_kind_key_at", ["kind", "key", "at"])


def downgrade() -> None:
    with op.batch_alter_table("policy_revisions", schema=None) as batch_op:
        batch_op.drop_index("ix_policy_revisions_kind_key_at")
    op.drop_table("policy_revisions")
