"""jobs: a partial index for claiming the next due job

Revision ID: jobs_0001
Revises: 0001_core
Create Date: 2026-11-30 06:25:00

``claim`` asks for the earliest ``run_at`` among queued (and lease-expired running) jobs; the
``(state, run_at)`` index cannot give that order across two states, so PostgreSQL sorted every
queued job per claim. This index holds only the jobs a claim may take, ordered by ``run_at``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "jobs_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("jobs",)
depends_on: str | Sequence[str] | None = None

DUE = "state IN ('queued', 'running')"


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_jobs_due",
            ["run_at"],
            unique=False,
            postgresql_where=sa.text(DUE),
            sqlite_where=sa.text(DUE),
        )


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_due")
