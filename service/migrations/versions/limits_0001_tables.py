"""limits: the shared access token

Revision ID: limits_0001
Revises: 0001_core
Create Date: 2026-11-30 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db


revision: str = "limits_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("limits",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shared_tokens",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("refresh_after", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("fetches", sa.Integer(), nullable=False),
        sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_shared_tokens")),
    )


def downgrade() -> None:
    op.drop_table("shared_tokens")
