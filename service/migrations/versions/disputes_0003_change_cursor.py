"""disputes: updated_at on rounds and items, (updated_at, id) indexes for the export cursor

Revision ID: disputes_0003
Revises: disputes_0002
Create Date: 2026-11-30 06:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "disputes_0003"
down_revision: str | Sequence[str] | None = "disputes_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What the export cursor read before: the answer time, or the opening time while open.
_ROUND_CHANGED = "COALESCE(answered_at, opened_at)"
_ITEM_CHANGED = (
    "COALESCE(decided_at, (SELECT r.opened_at FROM dispute_rounds r"
    " WHERE r.review_id = dispute_items.review_id AND r.number = dispute_items.round_number),"
    " CURRENT_TIMESTAMP)"
)


def _add_updated_at(table: str, backfill: str) -> None:
    op.add_column(
        table, sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=True)
    )
    op.execute(f"UPDATE {table} SET updated_at = {backfill}")
    with op.batch_alter_table(table) as batch_op:
        batch_op.alter_column(
            "updated_at", existing_type=service.db.UTCDateTime(timezone=True), nullable=False
        )


def upgrade() -> None:
    _add_updated_at("dispute_rounds", _ROUND_CHANGED)
    _add_updated_at("dispute_items", _ITEM_CHANGED)
    op.create_index("ix_dispute_reviews_changed", "dispute_reviews", ["updated_at", "id"])
    op.create_index("ix_dispute_rounds_changed", "dispute_rounds", ["updated_at", "id"])
    op.create_index("ix_dispute_items_changed", "dispute_items", ["updated_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_dispute_items_changed", table_name="dispute_items")
    op.drop_index("ix_dispute_rounds_changed", table_name="dispute_rounds")
    op.drop_index("ix_dispute_reviews_changed", table_name="dispute_reviews")
    with op.batch_alter_table("dispute_items") as batch_op:
        batch_op.drop_column("updated_at")
    with op.batch_alter_table("dispute_rounds") as batch_op:
        batch_op.drop_column("updated_at")
