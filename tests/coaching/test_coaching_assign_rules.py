"""The assignment decisions the live path and policy replay share, with plain values: the
order of the refusals, the cap window's edge, the open limit, version matching."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from service.coaching import rules

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


@dataclass
class Row:
    evaluation_id: str
    evaluation_version: int = 1
    status: str = "open"
    section_key: str = "empathy"
    created_at: datetime = NOW - timedelta(days=1)


def refuse(rows, **over):
    args = {
        "evaluation_id": "e-new",
        "version": 1,
        "key": "greeting",
        "weekly_cap": 2,
        "max_open": 0,
        "now": NOW,
    }
    return rules.refusal(rows, **{**args, **over})


def test_the_same_evaluation_comes_first_then_the_open_section():
    rows = [Row("e-new", section_key="greeting"), Row("e-2", section_key="greeting")]
    assert refuse(rows)[:2] == ("duplicate", "evaluation_already_assigned")
    assert refuse(rows[1:])[:2] == ("duplicate", "open_assignment_exists")
    assert refuse(rows[1:])[2] is rows[1]
    closed = Row("e-2", status="completed", section_key="greeting")
    assert refuse([closed]) is None  # a completed one does not block the section


@pytest.mark.parametrize(
    ("age", "capped"),
    [
        (timedelta(days=7) - timedelta(seconds=1), True),  # just inside the window
        (timedelta(days=7), False),  # exactly 7 days old: out (the window is exclusive)
        (timedelta(days=7, seconds=1), False),
    ],
)
def test_cap_window_edge(age, capped):
    rows = [Row("e-1", status="completed"), Row("e-2", status="completed", created_at=NOW - age)]
    found = refuse(rows)
    assert (found is not None and found[1] == "weekly_cap_reached") is capped


@pytest.mark.parametrize(
    ("open_rows", "limit", "refused"), [(1, 2, False), (2, 2, True), (5, 0, False)]
)
def test_open_limit(open_rows, limit, refused):
    rows = [
        Row(f"e-{i}", section_key=f"s{i}", created_at=NOW - timedelta(days=30))
        for i in range(open_rows)
    ]
    found = refuse(rows, max_open=limit)
    assert (found == ("rate_limited", "open_limit_reached", None)) is refused


def test_version_zero_matches_any_live_version_and_answering_picks_the_latest():
    rows = [Row("e", evaluation_version=1), Row("e", evaluation_version=3)]
    assert rules.answering(rows).evaluation_version == 3
    assert rules.answering(rows, 0).evaluation_version == 3
    assert rules.answering(rows, 2) is None
    assert rules.answering([Row("e", evaluation_version=2, status="cancelled")], 0) is None


@pytest.mark.parametrize(
    ("existing", "state", "pct", "answer"),
    [
        (True, "inactive", 10.0, ("duplicate", "evaluation_already_assigned")),
        (False, "inactive", 10.0, ("agent_inactive", "agent_inactive")),
        (False, "deleted", 99.0, ("agent_inactive", "agent_deleted")),
        (False, "active", 75.0, ("skipped", "meets_threshold")),
        (False, "active", 74.99, None),
        (False, "active", None, None),  # no percentage (sentiment): no threshold
    ],
)
def test_before_lock_order(existing, state, pct, answer):
    got = rules.before_lock(
        existing=existing,
        agent_state=state,
        inactive=state in ("inactive", "deleted"),
        percentage=pct,
        threshold=75.0,
    )
    assert got == answer


def test_screen_coaches_the_weakest_section_only_below_the_threshold():
    groups = [rules.GroupScore("a", "A", 3, 4, 1, 0), rules.GroupScore("b", "B", 1, 4, 1, 1)]
    low = rules.screen("FINISHED", 50.0, groups, 75.0)
    assert (low.decision, low.reason, low.weakest.id) == ("coach", "below_threshold", "b")
    assert rules.screen("FINISHED", 75.0, groups, 75.0).weakest is None
    assert rules.screen("INPROGRESS", 10.0, groups, 75.0).reason == "not_final"
    assert rules.screen("FINISHED", 0.0, [], 75.0).reason == "zero_total_points"
