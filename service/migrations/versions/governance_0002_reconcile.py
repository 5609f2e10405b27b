"""governance: audit run ids and row ids; the reconciliation cursor

Revision ID: governance_0002
Revises: governance_0001
Create Date: 2026-11-30 06:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "governance_0002"
down_revision: str | Sequence[str] | None = "governance_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("governance_audit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("run_id", sa.String(length=36), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("ids", sa.JSON(), server_default="[]", nullable=False))
        batch_op.create_index(batch_op.f("ix_governance_audit_run_id"), ["run_id"], unique=False)
    op.create_table(
        "governance_cursors",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.String(length=128), nullable=False),
        sa.Column("sweeps", sa.Integer(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("last_run_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("lease_until", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_governance_cursors")),
    )


def downgrade() -> None:
    op.drop_table("governance_cursors")
    with op.batch_alter_table("governance_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_audit_run_id"))
        batch_op.drop_column("ids")
        batch_op.drop_column("run_id")
