"""governance: LLM payloads as (encrypted) text; the governance audit table

Revision ID: governance_0001
Revises: scoring_0001
Create Date: 2026-11-30 04:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "governance_0001"
# Branches off scoring_0001 (it alters scoring_llm_calls); a depends_on would hide scoring_0001
# from the version table and make the schema look behind (service/migrate.py compares heads).
down_revision: str | Sequence[str] | None = "scoring_0001"
branch_labels: str | Sequence[str] | None = ("governance",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing JSON values become their JSON text, which EncryptedJSON reads as plain values.
    with op.batch_alter_table("scoring_llm_calls", schema=None) as batch_op:
        for column in ("request", "response"):
            batch_op.alter_column(
                column,
                existing_type=sa.JSON(),
                type_=sa.Text(),
                postgresql_using=f"{column}::text",
                existing_nullable=False,
            )
    op.create_table(
        "governance_audit",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_audit")),
    )


def downgrade() -> None:
    op.drop_table("governance_audit")
    with op.batch_alter_table("scoring_llm_calls", schema=None) as batch_op:
        for column in ("request", "response"):
            batch_op.alter_column(
                column,
                existing_type=sa.Text(),
                type_=sa.JSON(),
                postgresql_using=f"{column}::json",
                existing_nullable=False,
            )
