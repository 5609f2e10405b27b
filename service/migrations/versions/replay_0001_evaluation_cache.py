"""replay: evaluation cache

Revision ID: replay_0001
Revises: 0001_core
Create Date: 2026-11-30 06:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "replay_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("replay",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "replay_evaluations",
        sa.Column("evaluation_id", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed", sa.String(length=40), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("fetched_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("evaluation_id", name=op.f("pk_replay_evaluations")),
    )


def downgrade() -> None:
    op.drop_table("replay_evaluations")
