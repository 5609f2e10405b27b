"""Pure parts of the BI rate limit: the Retry-After it announces and the budget's table name."""

from __future__ import annotations

import pytest

from service.exports.ratelimit import budget_name, retry_after_seconds


@pytest.mark.parametrize(
    ("wait_ms", "seconds"),
    [
        (None, 60),
        ("soon", 60),
        (-1, 60),
        (0, 60),
        (1, 1),
        (999, 1),
        (1000, 1),
        (1001, 2),
        (59_999, 60),
        (60_000, 60),
        (60_001, 60),
        (3_600_000, 60),
    ],
)
def test_retry_after_is_whole_seconds_within_the_window(wait_ms, seconds):
    assert retry_after_seconds(wait_ms) == seconds


def test_budget_names_hide_the_subject_and_differ_per_client():
    name = budget_name("admin:user-a")
    assert name.startswith("bi_") and "user" not in name and len(name) == 23
    assert name == budget_name("admin:user-a") != budget_name("admin:user-b")
    assert name.isidentifier()
