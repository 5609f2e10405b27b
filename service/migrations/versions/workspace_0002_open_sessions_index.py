"""workspace: a partial index of open coaching sessions for the team page

Revision ID: workspace_0002
Revises: workspace_0001
Create Date: 2026-11-30 06:40:00

The team overview counts each agent's open sessions and overdue follow-ups; with this index it
reads only the open ones, index-only (benchmarks/bench_pages.py: 30 ms -> 1.4 ms in PostgreSQL
for 10,000 sessions of 500 agents). The predicate is the open statuses of
``service.workspace.rules.OPEN`` when this was written; a new open status needs a migration
that recreates the index (``service.workspace.models.OPEN_SQL`` must match it).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "workspace_0002"
down_revision: str | Sequence[str] | None = "workspace_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status IN ('assigned', 'in_progress', 'pending_agent_review', 'pending_supervisor_review')"


def upgrade() -> None:
    with op.batch_alter_table("coaching_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_coaching_sessions_open",
            ["agent_id", "follow_up_on"],
            unique=False,
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )


def downgrade() -> None:
    with op.batch_alter_table("coaching_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_coaching_sessions_open")
