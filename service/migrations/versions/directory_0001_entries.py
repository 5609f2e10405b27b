"""directory: users (and queues) with their Genesys division

Revision ID: directory_0001
Revises: 0001_core
Create Date: 2026-11-30 06:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "directory_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("directory",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "directory_entries",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("division_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("synced_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "id", name=op.f("pk_directory_entries")),
    )
    with op.batch_alter_table("directory_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_directory_entries_division_id"), ["division_id"])


def downgrade() -> None:
    with op.batch_alter_table("directory_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_entries_division_id"))
    op.drop_table("directory_entries")
