"""Sentiment rules: boundary tables for every threshold, scales, and pattern detection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.sentiment import rules
from service.sentiment.rules import NEUTRAL, QUALIFYING, UNKNOWN, Item, Thresholds

T = Thresholds()
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("customer", "expected"),
    [
        (-0.61, QUALIFYING),
        (-0.6000001, QUALIFYING),
        (-0.6, NEUTRAL),  # the threshold itself does not qualify (strict)
        (-0.59, NEUTRAL),
        (0.0, NEUTRAL),
        (None, UNKNOWN),
    ],
)
def test_customer_threshold_is_strict(customer, expected) -> None:
    assert rules.classify(customer, -0.9, T) == expected


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (-0.31, QUALIFYING),
        (-0.3000001, QUALIFYING),
        (-0.3, NEUTRAL),  # the agent threshold itself does not qualify
        (-0.29, NEUTRAL),
        (0.5, NEUTRAL),
        (None, UNKNOWN),  # too few agent phrases: never qualifying
    ],
)
def test_agent_threshold_is_strict(agent, expected) -> None:
    assert rules.classify(-0.9, agent, T) == expected


@pytest.mark.parametrize(
    ("customer", "agent", "expected"),
    [
        (-0.61, None, QUALIFYING),
        (-0.6, None, NEUTRAL),
        (-0.61, 0.9, QUALIFYING),
        (None, -1, UNKNOWN),
    ],
)
def test_agent_side_off_only_the_customer_counts(customer, agent, expected) -> None:
    assert rules.classify(customer, agent, T, agent_side=False) == expected


def test_a_known_customer_score_above_the_threshold_needs_no_agent_score() -> None:
    assert rules.classify(0.2, None, T) == NEUTRAL
    assert not rules.needs_agent_score(-0.6, T, True)
    assert rules.needs_agent_score(-0.61, T, True)
    assert not rules.needs_agent_score(-0.61, T, False)


def test_configured_thresholds_are_used() -> None:
    t = Thresholds(customer_below=-0.2, agent_below=0.0)
    assert rules.classify(-0.21, -0.01, t) == QUALIFYING
    assert rules.classify(-0.2, -0.01, t) == NEUTRAL
    assert rules.classify(-0.21, 0.0, t) == NEUTRAL


@pytest.mark.parametrize(
    ("customer", "kudos"),
    [(0.79, False), (0.8, False), (0.8000001, True), (0.81, True), (1.0, True), (None, False)],
)
def test_kudos_is_strictly_above(customer, kudos) -> None:
    assert rules.is_kudos(customer, T) is kudos


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(-100, -1.0), (-60, -0.6), (0, 0.0), (80, 0.8), (100, 1.0), (250, 1.0), (-250, -1.0)],
)
def test_sta_scale_is_divided_by_100_and_clamped(raw, expected) -> None:
    assert rules.normalize_sta(raw) == pytest.approx(expected)


@pytest.mark.parametrize("raw", [None, "x", True, float("nan"), float("inf")])
def test_sta_non_numbers_are_unknown(raw) -> None:
    assert rules.normalize_sta(raw) is None


@pytest.mark.parametrize(("phrases", "known"), [(2, False), (3, True), (4, True)])
def test_too_few_phrases_is_unknown(phrases, known) -> None:
    assert (rules.judged(-0.9, phrases, 3) is not None) is known


@pytest.mark.parametrize(("minutes", "expected"), [(1, 15), (15, 15), (16, 30), (45, 45), (90, 60)])
def test_appointment_length_in_quarter_hours_at_most_60(minutes, expected) -> None:
    assert rules.appointment_minutes(minutes) == expected


# --- patterns ------------------------------------------------------------------------------


def run(*statuses: str, hours: float = 1.0, consumed: tuple[int, ...] = ()) -> list[Item]:
    return [
        Item(f"c{n}", T0 + timedelta(hours=hours * n), s, n in consumed)
        for n, s in enumerate(statuses)
    ]


Q, N, U = QUALIFYING, NEUTRAL, UNKNOWN


def keys(block: list[Item]) -> list[str]:
    return [i.key for i in block]


def test_three_consecutive_qualifying_make_a_pattern() -> None:
    items = run(Q, Q, Q)
    assert keys(rules.pattern_for(items, "c2", T)) == ["c0", "c1", "c2"]
    assert rules.consecutive(items, "c2", T) == 3


def test_two_are_not_yet_a_pattern() -> None:
    items = run(Q, Q)
    assert rules.pattern_for(items, "c1", T) == []
    assert rules.consecutive(items, "c1", T) == 2


def test_a_neutral_interaction_breaks_the_run() -> None:
    items = run(Q, Q, N, Q)
    assert rules.pattern_for(items, "c3", T) == []
    assert rules.consecutive(items, "c3", T) == 1


def test_an_unknown_interaction_neither_counts_nor_breaks() -> None:
    items = run(Q, U, Q, Q)
    assert keys(rules.pattern_for(items, "c3", T)) == ["c0", "c2", "c3"]


def test_order_is_by_end_time_not_arrival() -> None:
    items = run(Q, Q, Q)
    shuffled = [items[2], items[0], items[1]]
    # The late one (c1 arrives last) completes the run it sits in the middle of.
    assert keys(rules.pattern_for(shuffled, "c1", T)) == ["c0", "c1", "c2"]


def test_a_late_neutral_one_splits_a_run() -> None:
    items = run(Q, Q, Q)
    late_neutral = Item("late", T0 + timedelta(minutes=90), N)
    assert rules.pattern_for([*items, late_neutral], "c2", T) == []


def test_duplicates_count_once() -> None:
    items = run(Q, Q)
    assert rules.pattern_for([*items, items[1], items[1]], "c1", T) == []


def test_the_window_limits_the_pattern() -> None:
    t = Thresholds(window=timedelta(days=7))
    wide = run(Q, Q, Q, hours=24 * 3.5 + 0.01)  # first to last just over 7 days
    assert rules.pattern_for(wide, "c2", t) == []
    edge = run(Q, Q, Q, hours=24 * 3.5)  # exactly 7 days: inside
    assert len(rules.pattern_for(edge, "c2", t)) == 3


def test_used_interactions_never_count_twice() -> None:
    items = run(Q, Q, Q, Q, consumed=(0, 1, 2))
    assert rules.pattern_for(items, "c3", T) == []
    assert rules.consecutive(items, "c3", T) == 1
    six = run(Q, Q, Q, Q, Q, Q, consumed=(0, 1, 2))
    assert keys(rules.pattern_for(six, "c5", T)) == ["c3", "c4", "c5"]


def test_configured_run_length() -> None:
    t = Thresholds(run_length=1)
    assert keys(rules.pattern_for(run(Q), "c0", t)) == ["c0"]
    t5 = Thresholds(run_length=5)
    assert rules.pattern_for(run(Q, Q, Q, Q), "c3", t5) == []


def test_a_neutral_key_has_no_pattern() -> None:
    assert rules.pattern_for(run(Q, Q, N), "c2", T) == []
    assert rules.consecutive(run(Q, Q, N), "c2", T) == 0


def test_description_has_dates_and_scores_only() -> None:
    text = rules.describe([(T0, -0.75, -0.5), (T0 + timedelta(hours=1), -0.9, None)])
    assert "2026-11-02 09:00 UTC: customer -0.75, agent -0.50" in text
    assert "agent n/a" in text


def test_pattern_key_is_order_free() -> None:
    assert rules.pattern_key("a", ["c2", "c1"]) == rules.pattern_key("a", ["c1", "c2"])


# --- the incremental structure the benchmark uses agrees with the plain functions ----------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=24 * 20),
            st.sampled_from([Q, Q, N, U]),
            st.booleans(),
        ),
        min_size=1,
        max_size=30,
    ),
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=1, max_value=5),
)
def test_agent_runs_match_the_plain_rules(entries, run_length, window_days) -> None:
    t = Thresholds(run_length=run_length, window=timedelta(days=window_days))
    items = [
        Item(f"c{n}", T0 + timedelta(hours=h), s, consumed)
        for n, (h, s, consumed) in enumerate(entries)
    ]
    runs = rules.AgentRuns()
    for item in items:
        runs.add(item)
    assert not runs.add(items[0])  # a duplicate is refused
    for item in items:
        if item.consumed:
            continue
        count, block = runs.decide(item.key, t)
        assert count == rules.consecutive(items, item.key, t)
        assert keys(block) == keys(rules.pattern_for(items, item.key, t))
