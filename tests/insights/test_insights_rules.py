"""The insight statistics: hand-computed Welch and difference-in-differences intervals, a
simulated data set with a known effect, Cohen's kappa on a textbook table, and the alert
boundary tables (just below, at, just above each threshold)."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from service.insights import effect, rules


def test_welch_change_by_hand():
    # before 60, 70, 80: mean 70, s^2 = (100 + 0 + 100) / 2 = 100, s^2/n = 33.333
    # after  70, 80, 90: mean 80, s^2 = 100,                         s^2/n = 33.333
    # change = 80 - 70 = 10; se = sqrt(33.333 + 33.333) = 8.1650
    # df = 66.667^2 / (33.333^2/2 + 33.333^2/2) = 4444.4 / 1111.1 = 4
    # t(0.975, 4) = 2.7764 (Student's t table); half width = 2.7764 * 8.1650 = 22.670
    i = rules.welch_change([60, 70, 80], [70, 80, 90])
    assert i.estimate == pytest.approx(10.0)
    assert i.se == pytest.approx(8.1650, abs=1e-4)
    assert i.df == pytest.approx(4.0)
    assert i.ci_low == pytest.approx(10 - 22.670, abs=1e-3)
    assert i.ci_high == pytest.approx(10 + 22.670, abs=1e-3)
    assert i.covers_zero is True


def test_welch_unequal_variances_by_hand():
    # before 60, 70, 80: mean 70, s^2 = 100, n 3 -> v1 = 33.333
    # after 75, 85: mean 80, s^2 = 50, n 2 -> v2 = 25
    # df = 58.333^2 / (33.333^2 / 2 + 25^2 / 1) = 3402.78 / 1180.56 = 2.8824
    i = rules.welch_change([60, 70, 80], [75, 85])
    assert i.estimate == pytest.approx(10.0)
    assert i.se == pytest.approx(math.sqrt(58.3333), abs=1e-4)
    assert i.df == pytest.approx(2.8824, abs=1e-3)


def test_difference_in_differences_by_hand():
    # treated: before 60, 70, 80 (mean 70), after 70, 80, 90 (mean 80): change +10
    # control: before 50, 60, 70 (mean 60), after 55, 65, 75 (mean 65): change +5
    # DiD = 10 - 5 = 5; each group s^2 = 100, n = 3 -> variance 4 * 33.333 = 133.33, se 11.547
    # df = 133.33^2 / (4 * 33.333^2 / 2) = 17777.8 / 2222.2 = 8; t(0.975, 8) = 2.3060
    # half width = 2.3060 * 11.547 = 26.628
    i = rules.difference_in_differences([60, 70, 80], [70, 80, 90], [50, 60, 70], [55, 65, 75])
    assert i.estimate == pytest.approx(5.0)
    assert i.se == pytest.approx(11.547, abs=1e-3)
    assert i.df == pytest.approx(8.0)
    assert (i.ci_low, i.ci_high) == pytest.approx((5 - 26.628, 5 + 26.628), abs=1e-2)


def test_too_few_values_give_no_interval():
    assert rules.welch_change([], [1, 2]) == rules.NO_INTERVAL
    one = rules.welch_change([50], [60])
    assert one.estimate == 10 and one.ci_low is None and one.covers_zero is None
    flat = rules.welch_change([50, 50], [60, 60])  # no spread: the interval is the point
    assert (flat.ci_low, flat.ci_high) == (10, 10) and flat.covers_zero is False


def _t(day: int) -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day)


def simulate(seed: int, effect_size: float, agents: int = 60) -> dict:
    """Agents with their own level, a common drift of +3 points after day 100 (the same for
    everyone: parallel trends), noise sd 6, and a true coaching effect for the coached half."""
    rng = random.Random(seed)
    coachings, scores, spans = [], [], []
    for a in range(agents):
        agent = f"agent-{a}"
        level = rng.gauss(70, 8)
        coached = a % 2 == 0
        if coached:
            coachings.append(
                effect.Coaching(
                    f"c{a}", agent, "empathy", "Empathy", "m1", "event", "local", _t(100), _t(110)
                )
            )
            spans.append(effect.Span(agent, "empathy", _t(100), _t(110)))
        for k in range(12):
            day = 70 + k * 5 + rng.random()  # days 70..126, before and after the windows
            after = day > 110
            value = level + (3.0 if day > 100 else 0.0) + (effect_size if coached and after else 0)
            scores.append(
                effect.Score(
                    f"e{a}-{k}",
                    agent,
                    "empathy",
                    _t(0) + timedelta(days=day),
                    value + rng.gauss(0, 6),
                )
            )
    return effect.effectiveness(coachings, scores, spans, before_days=30, after_days=30)


def test_simulated_known_effect_is_covered():
    """The pooled difference-in-differences interval covers the true effect (+8), excludes 0,
    and takes out the common drift that the plain change (+8 + 3) still contains."""
    report = simulate(seed=20261130, effect_size=8.0)
    [module] = report["modules"]
    did, change = module["did"], module["change"]
    assert did["ci_low"] <= 8.0 <= did["ci_high"]
    assert did["ci_low"] > 0 and module["verdict"] == "improved"
    assert change["estimate"] == pytest.approx(11.0, abs=4.0)
    assert module["coachings"] == 30 and module["control_n_before"] > 0


def test_simulated_coverage_over_many_seeds():
    """Over 40 seeded data sets the 95 % interval covers the truth in at least 34 (a lower
    binomial bound far below the nominal 38)."""
    covered = 0
    for seed in range(40):
        did = simulate(seed, effect_size=5.0, agents=30)["modules"][0]["did"]
        covered += did["ci_low"] <= 5.0 <= did["ci_high"]
    assert covered >= 34


def test_simulated_no_effect_is_flagged():
    [module] = simulate(seed=7, effect_size=0.0)["modules"]
    assert module["did"]["ci_low"] <= 0 <= module["did"]["ci_high"]
    assert module["verdict"] == "no_effect"


def test_windows_and_comparison_agents():
    c = effect.Coaching("c1", "a1", "empathy", "Empathy", "m", "event", "local", _t(40), _t(50))
    w = effect.windows(c, 30, 30)
    # before is [t0 - 30 d, t0), after is (t1, t1 + 30 d]: both edges in a table
    table = [
        (_t(10), "before"),
        (_t(40), ""),
        (_t(39), "before"),
        (_t(50), ""),
        (_t(80), "after"),
        (_t(9), ""),
        (_t(81), ""),
    ]
    assert [w.side(at) for at, _ in table] == [side for _, side in table]
    spans = [
        effect.Span("a2", "empathy", _t(85), None),  # starts after the windows: comparison
        effect.Span("a3", "empathy", _t(0), _t(9)),  # ends before them: comparison
        effect.Span("a4", "empathy", _t(60), None),  # overlaps: not a comparison agent
        effect.Span("a5", "greeting", _t(45), None),  # another section: comparison
    ]
    assert effect.coached_agents(spans, "empathy", w) == {"a4"}


# --- kappa ---


def test_cohen_kappa_textbook_example():
    """Wikipedia "Cohen's kappa", worked example: 50 proposals, A and B both yes 20, A yes B no
    5, A no B yes 10, both no 15. p_o = 35/50 = 0.7; A says yes 25/50 = 0.5, B 30/50 = 0.6;
    p_e = 0.5*0.6 + 0.5*0.4 = 0.5; kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4."""
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    k = rules.cohen_kappa(pairs)
    assert (k.n, k.observed) == (50, pytest.approx(0.7))
    assert k.kappa == pytest.approx(0.4)


def test_cohen_kappa_edges():
    assert rules.cohen_kappa([]).kappa is None
    same = rules.cohen_kappa([("a", "a")] * 4)  # one label on both sides: p_e = 1
    assert same.observed == 1.0 and same.kappa == 1.0
    assert rules.cohen_kappa([("a", "a"), ("b", "b")]).kappa == pytest.approx(1.0)
    assert rules.cohen_kappa([("a", "b"), ("b", "a")]).kappa == pytest.approx(-1.0)


def test_latest_keeps_the_newest_window():
    rows = [(f"2026-01-{d:02d}", (d, d)) for d in range(1, 31)]
    assert rules.latest(rows, 25) == [(d, d) for d in range(30, 5, -1)]


# --- thresholds (boundary tables) ---


@pytest.mark.parametrize(
    ("kappa", "pairs", "alert"),
    [
        (0.59, 10, True),  # just below the floor
        (0.6, 10, False),  # at the floor: fine
        (0.61, 10, False),  # above
        (0.1, 9, False),  # too few pairs to judge
        (0.1, 10, True),  # exactly the minimum pairs
        (None, 25, False),  # undefined kappa (one label everywhere)
    ],
)
def test_kappa_alert_boundaries(kappa, pairs, alert):
    assert rules.kappa_alert(kappa, pairs, min_kappa=0.6, min_pairs=10) is alert


@pytest.mark.parametrize(
    ("changed", "decided", "alert"),
    [
        (1, 5, False),  # 0.2: at the ceiling is fine
        (2, 9, True),  # 0.222: just above
        (19, 100, False),  # 0.19: just below
        (21, 100, True),  # 0.21
        (4, 4, False),  # 100 % but fewer than 5 decided
        (0, 0, False),  # nothing decided: no rate
    ],
)
def test_overturn_alert_boundaries(changed, decided, alert):
    rate = rules.overturn_rate(changed, decided)
    assert rules.overturn_alert(rate, decided, max_rate=0.2, min_decided=5) is alert


def test_overturn_rate_refuses_impossible_counts():
    assert rules.overturn_rate(0, 0) is None
    assert rules.overturn_rate(1, 4) == 0.25
    with pytest.raises(ValueError):
        rules.overturn_rate(3, 2)
