"""Tiers, per-interaction spread, per-question agreement and the session report."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from service.calibration import rules
from service.reliability.ratings import Answer, Rating, r4


@pytest.mark.parametrize(
    ("spread", "tier", "flag"),
    [
        (0, "aligned", False),
        (4.99, "aligned", False),
        (5, "aligned", False),
        (5.01, "discuss", False),
        (6, "discuss", False),
        (14.99, "discuss", False),
        (15, "discuss", False),
        (15.01, "full_session", True),
        (16, "full_session", True),
    ],
)
def test_tier_and_variance_flag_boundaries(spread, tier, flag):
    assert rules.tier(spread) == tier
    assert rules.variance_flag(spread) is flag


def test_spread_summary_matches_the_seed_statistics():
    s = rules.spread_summary([85, 71, 78])
    assert s["mean"] == pytest.approx(78.0)
    assert s["std_dev"] == pytest.approx(7.0)  # sample SD, like statistics.stdev
    assert (s["min"], s["max"], s["range"]) == (71, 85, 14)


def test_spread_summary_one_score_has_no_sd():
    assert rules.spread_summary([80])["std_dev"] is None
    assert rules.spread_summary([])["mean"] is None


def _session():
    # Two interactions, three humans (expert "x"), and the AI scorer.
    q = {"greet": ("yes", 1.0, 1.0), "empathy": ("full", 2.0, 2.0)}

    def answers(**over):
        merged = {**q, **over}
        return {k: Answer(*v) for k, v in merged.items()}

    return [
        Rating("c1", "x", 80, answers()),
        Rating("c1", "a", 90, answers()),
        Rating("c1", "b", 71, answers(empathy=("none", 0.0, 2.0))),
        Rating("c1", "ai:m", 84, answers(), kind="ai"),
        Rating("c2", "x", 60, answers()),
        Rating("c2", "a", 62, answers(empathy=("part", 1.0, 2.0))),
        Rating("c2", "b", 58, answers(empathy=("none", 0.0, 2.0))),
    ]


def test_session_statistics_per_interaction():
    report = rules.session_statistics(
        _session(), units=["c1", "c2"], expert_id="x", questions=["greet", "empathy"]
    )
    c1, c2 = report["interactions"]
    assert c1["range"] == 19 and c1["tier"] == "full_session" and c1["variance_flag"] is True
    assert c1["count"] == 3  # the AI is not in the human spread
    assert c1["expert_score"] == 80
    assert c1["deviations"] == {"a": 10, "b": -9, "x": 0}
    assert c1["ai_deviations"] == {"ai:m": 4}
    assert c2["range"] == 4 and c2["tier"] == "aligned"
    json.dumps(report, allow_nan=False)


def test_session_statistics_per_question_and_worst_criterion():
    report = rules.session_statistics(
        _session(), units=["c1", "c2"], expert_id="x", questions=["greet", "empathy"]
    )
    greet, empathy = report["questions"]
    assert greet["percent_agreement"] == 1.0
    assert greet["krippendorff_alpha"] is None  # no variation: undefined, not NaN
    assert empathy["percent_agreement"] == pytest.approx(1 / 3 / 2, abs=1e-4)
    assert empathy["mean_range"] == pytest.approx(100.0)
    assert report["worst_criterion"] == "empathy"


def test_session_statistics_empty_session():
    report = rules.session_statistics([], units=[], expert_id="x", questions=["greet"])
    assert report["interactions"] == []
    assert report["worst_criterion"] == ""
    assert report["reliability"]["icc_2_1"] is None
    assert report["reliability"]["krippendorff_alpha"] is None
    json.dumps(report, allow_nan=False)


def test_session_without_expert_score():
    ratings = [Rating("c1", "a", 80), Rating("c1", "b", 70)]
    report = rules.session_statistics(ratings, units=["c1"], expert_id="x")
    assert report["interactions"][0]["expert_score"] is None
    assert report["interactions"][0]["deviations"] == {"a": None, "b": None}


def test_percent_of_answer():
    assert Answer("y", 1.0, 2.0).percent == 50.0
    assert Answer("y", 3.0).percent == 3.0
    assert Answer("y").percent is None


@pytest.mark.parametrize(
    ("rows", "worst"),
    [
        ([], ""),
        ([{"question_id": "a", "percent_agreement": None, "krippendorff_alpha": None}], ""),
        (
            [
                {"question_id": "a", "percent_agreement": 0.5, "krippendorff_alpha": 0.4},
                {"question_id": "b", "percent_agreement": 0.5, "krippendorff_alpha": 0.2},
                {"question_id": "c", "percent_agreement": 0.9, "krippendorff_alpha": None},
            ],
            "b",
        ),
    ],
)
def test_worst_criterion(rows, worst):
    assert rules.worst_criterion(rows) == worst


def test_r4_never_returns_nan():
    assert r4(math.nan) is None
    assert r4(np.float64(0.123456)) == 0.1235


def test_one_score_has_no_tier_to_discuss():
    report = rules.session_statistics(
        [Rating("c1", "x", 80), Rating("c2", "x", 70), Rating("c2", "a", 90)],
        units=["c1", "c2", "c3"],
        expert_id="x",
    )
    one, two, none = report["interactions"]
    assert (one["tier"], one["variance_flag"], one["std_dev"]) == (
        "insufficient_scores",
        False,
        None,
    )
    assert (two["tier"], two["variance_flag"]) == ("full_session", True)
    assert (none["tier"], none["count"], none["mean"]) == ("no_scores", 0, None)
    flat = rules.flat_summary(report, "x")
    assert flat["tier"] == "full_session" and flat["range"] == 20
    only_one = rules.session_statistics([Rating("c1", "x", 80)], units=["c1"], expert_id="x")
    assert rules.flat_summary(only_one, "x")["tier"] == "insufficient_scores"
    json.dumps([report, only_one], allow_nan=False)
