"""The incremental export's cursor query is answered from a ``(changed_at, id)`` index.

The plan is asked of the database itself (``EXPLAIN`` on PostgreSQL, ``EXPLAIN QUERY PLAN`` on
SQLite). The test tables hold a handful of rows, where PostgreSQL would rather read the whole
table, so sequential scans are priced out for the question: can the index serve the query?
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from service.db import get_db
from service.exports import rules
from service.exports.catalog import get_kind
from service.exports.service import Selection, statement

# kind -> the index its incremental read must use
INDEXED = {
    "coaching_assignments": "ix_exports_coaching_assignments_changed",
    "coaching_session_edits": "ix_coaching_session_edits_changed",
    "scoring_requests": "ix_exports_scoring_requests_changed",
    "scoring_answers": "ix_exports_scoring_requests_changed",
    "calibration_scores": "ix_exports_calibration_scores_changed",
    "calibration_answers": "ix_exports_calibration_scores_changed",
    "sentiment_interactions": "ix_exports_sentiment_interactions_changed",
    "recognitions": "ix_exports_sentiment_recognitions_changed",
    "dispute_reviews": "ix_dispute_reviews_changed",
    "dispute_rounds": "ix_dispute_rounds_changed",
    "dispute_items": "ix_dispute_items_changed",
}


def _plan(db, stmt) -> str:
    compiled = stmt.compile(dialect=db.bind.dialect, compile_kwargs={"literal_binds": True})
    if db.bind.dialect.name == "postgresql":
        db.execute(text("SET LOCAL enable_seqscan = off"))
        rows = db.execute(text(f"EXPLAIN {compiled}")).all()
        return "\n".join(r[0] for r in rows)
    rows = db.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return "\n".join(str(r[-1]) for r in rows)


@pytest.mark.parametrize("name", sorted(INDEXED))
def test_the_cursor_query_uses_the_change_index(app, name):
    kind = get_kind(name)
    assert kind is not None
    after = rules.Cursor(datetime(2026, 3, 1, tzinfo=UTC), "some-id", 0)
    sel = Selection(after=after, upper=datetime(2026, 3, 2, tzinfo=UTC))
    with get_db(app).sessionmaker() as db:
        try:
            plan = _plan(db, statement(kind, sel))
        finally:
            db.rollback()  # SET LOCAL ends with the transaction
    assert INDEXED[name] in plan, plan
