"""exports: change-cursor indexes on the exported tables

Revision ID: exports_0001
Revises: 0001_core
Create Date: 2026-11-30 04:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "exports_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("exports",)
depends_on: str | Sequence[str] | None = ("coaching_0001", "scoring_0001", "calibration_0001")


def upgrade() -> None:
    op.create_index(
        "ix_exports_coaching_assignments_changed", "coaching_assignments", ["updated_at", "id"]
    )
    op.create_index("ix_exports_scoring_requests_changed", "scoring_requests", ["updated_at", "id"])
    op.create_index(
        "ix_exports_calibration_scores_changed", "calibration_scores", ["submitted_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_exports_calibration_scores_changed", table_name="calibration_scores")
    op.drop_index("ix_exports_scoring_requests_changed", table_name="scoring_requests")
    op.drop_index("ix_exports_coaching_assignments_changed", table_name="coaching_assignments")
