"""The sentiment decision steps the live judgment and policy replay share, with plain values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from service.sentiment import rules

T = rules.Thresholds()


@pytest.mark.parametrize(
    ("status", "customer", "answer"),
    [
        (rules.UNKNOWN, 0.95, ("skipped", "unknown_sentiment")),  # unknown first
        (rules.NEUTRAL, 0.81, ("kudos", "highly_positive_customer")),
        (rules.NEUTRAL, 0.8, ("none", "not_qualifying")),  # kudos is strictly above
        (rules.QUALIFYING, -0.9, ("pattern", "")),
    ],
)
def test_first_decision(status, customer, answer):
    assert rules.first_decision(status, customer, T) == answer


@pytest.mark.parametrize(
    ("decision", "answer"),
    [
        ("assigned", ("coach", "pattern_of_negative_sentiment")),
        ("duplicate", ("coach", "pattern_of_negative_sentiment")),
        ("rate_limited", ("capped", "why")),
        ("queued", ("queued", "why")),
        ("agent_inactive", ("skipped", "why")),
    ],
)
def test_coach_outcome(decision, answer):
    assert rules.coach_outcome(decision, "why") == answer


def test_leaver_and_pattern_assignment():
    assert rules.leaver("deleted", inactive=True) == ("skipped", "agent_deleted")
    assert rules.leaver("active", inactive=False) is None
    at = datetime(2026, 11, 30, 9, 5, tzinfo=UTC)
    block = [rules.Item("c2", at, rules.QUALIFYING), rules.Item("c1", at, rules.QUALIFYING)]
    first = rules.pattern_assignment("a1", block)
    assert first == rules.pattern_assignment("a1", block[::-1])  # order-free
    assert (
        first[0].startswith("sentiment:")
        and first[1] == "Sentiment pattern ending 2026-11-30 09:05"
    )
    assert rules.pattern_assignment("a2", block)[0] != first[0]
    assert rules.watch_reason(2, T) == "run_2_of_3"
