"""Evaluator bias, calibrator drift, recurring criteria, and the AI scorer's agreement."""

from __future__ import annotations

import pytest

from service.reliability import trends
from service.reliability.ratings import Rating


def test_mean_ci_uses_student_t():
    ci = trends.mean_ci([1.0, 2.0, 3.0, 4.0, 5.0])
    # mean 3, sd 1.5811, t(0.975, 4) = 2.7764 -> half width 1.9632
    assert (ci["mean"], ci["ci_low"], ci["ci_high"]) == (3.0, 1.0368, 4.9632)
    assert trends.mean_ci([2.0])["ci_low"] is None
    assert trends.mean_ci([])["mean"] is None


def test_seed_evaluators_84_against_78_show_leniency():
    # Evaluator A averages 84, B 78 on the same calls (the seed's table): A is 6 points lenient.
    devs = []
    for month, (a, b, x) in enumerate([(90, 78, 82), (75, 85, 79), (88, 70, 80), (83, 79, 81)] * 3):
        ratings = [Rating("c", "A", a), Rating("c", "B", b), Rating("c", "X", x)]
        devs += trends.session_deviations(ratings, "X", f"2026-{month % 12 + 1:02d}")
    by_id = {row["evaluator_id"]: row for row in trends.evaluator_bias(devs, min_points=3.0)}
    a, b = by_id["A"], by_id["B"]
    assert a["from_expert"]["mean"] == pytest.approx(3.5)
    assert b["from_expert"]["mean"] == pytest.approx(-2.5)
    assert a["from_consensus"]["mean"] > 0 > b["from_consensus"]["mean"]
    assert by_id["X"]["from_expert"]["n"] == 0  # the expert has no gap to themself
    assert len(a["months"]) == 12


@pytest.mark.parametrize(
    ("ci", "direction"),
    [
        ({"mean": 2.9, "ci_low": 0.5, "ci_high": 5.0}, "no_clear_bias"),
        ({"mean": 3.0, "ci_low": 0.5, "ci_high": 5.0}, "lenient"),
        ({"mean": 6.0, "ci_low": -0.1, "ci_high": 12.0}, "no_clear_bias"),
        ({"mean": -3.0, "ci_low": -5.0, "ci_high": -0.5}, "harsh"),
        ({"mean": -2.99, "ci_low": -5.0, "ci_high": -0.5}, "no_clear_bias"),
        ({"mean": 5.0, "ci_low": None, "ci_high": None}, "insufficient_data"),
    ],
)
def test_bias_direction_boundaries(ci, direction):
    assert trends.bias_direction(ci, 3.0) == direction


def test_calibrator_drift_flags_months_past_the_gap():
    gaps = []
    for month, expert in [("2026-01", 80), ("2026-02", 86), ("2026-03", 91), ("2026-04", 92)]:
        ratings = [Rating("c", "cal", expert), Rating("c", "a", 80), Rating("c", "b", 80)]
        gaps += trends.expert_gaps(ratings, "cal", month)
    (row,) = trends.calibrator_drift(gaps, max_gap=10.0)
    assert [h["mean"] for h in row["history"]] == [0, 6, 11, 12]
    assert row["flagged_months"] == ["2026-03", "2026-04"]
    assert row["longest_flagged_run"] == 2


@pytest.mark.parametrize(
    ("gap", "flagged"), [(9.99, False), (10.0, False), (10.01, True), (-10.01, True)]
)
def test_drift_gap_boundary(gap, flagged):
    (row,) = trends.calibrator_drift([trends.ExpertGap("cal", "2026-01", gap)], max_gap=10.0)
    assert row["flagged"] is flagged


def test_expert_gap_ignores_ai_and_lone_expert():
    ratings = [Rating("c", "cal", 90), Rating("c", "ai:m", 50, kind="ai")]
    assert trends.expert_gaps(ratings, "cal", "2026-01") == []


def _q(qid, spread=5.0, alpha=0.9):
    return {"question_id": qid, "mean_range": spread, "krippendorff_alpha": alpha}


def test_recurring_criteria_need_consecutive_months():
    monthly = {
        "2026-01": [_q("product", 18.0), _q("greet"), _q("hold", alpha=0.5)],
        "2026-02": [_q("product", 16.0), _q("greet"), _q("hold")],
        "2026-03": [_q("product", 20.0), _q("greet", 15.0), _q("hold", alpha=0.6)],
    }
    found = trends.recurring_criteria(monthly, range_limit=15.0, min_months=2)
    assert [q["question_id"] for q in found] == ["product"]
    assert found[0]["longest_run"] == 3
    assert len(found[0]["history"]) == 3


def test_recurring_across_a_year_boundary():
    monthly = {"2025-12": [_q("p", 20.0)], "2026-01": [_q("p", 20.0)]}
    assert trends.recurring_criteria(monthly, 15.0, 2)[0]["longest_run"] == 2


@pytest.mark.parametrize(
    ("answers", "expected"),
    [([], None), (["a"], "a"), (["a", "b"], None), (["a", "b", "a"], "a")],
)
def test_majority(answers, expected):
    assert trends.majority(answers) == expected


def test_ai_agreement_uses_the_latest_25():
    items = [
        trends.AiItem(
            "greet",
            f"c{i:02d}",
            f"2026-01-{1 + i // 2:02d}T00:{i:02d}",
            "yes",
            "yes" if i >= 5 else "no",
            None if i % 2 else "yes",
        )
        for i in range(30)
    ]
    (row,) = trends.ai_agreement(items)
    assert row["window"] == 25
    assert row["with_expert"] == {"n": 25, "agreement": 1.0}  # the 5 oldest disagreements fell out
    assert row["with_majority"]["n"] == 12  # even i from 6 to 28
