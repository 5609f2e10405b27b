"""Program rules: cadence across month ends and DST, rotation, calibrators vs. leadership."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pytest

from service.calibration.programs import rules
from service.calibration.programs.rules import Cadence, ExpertScore
from service.reliability import stats
from tests.calibration.test_pooled_icc import TABLE


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- cadence ---


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2026, 2, 27, 23, 0), "2026-01-31"),  # February's last day not reached yet
        (utc(2026, 2, 28, 8, 59), "2026-01-31"),  # one minute before
        (utc(2026, 2, 28, 9, 0), "2026-02-28"),  # at: day 31 means the month's last day
        (utc(2026, 3, 30, 12, 0), "2026-02-28"),
        (utc(2026, 4, 30, 9, 0), "2026-04-30"),
        (utc(2028, 2, 29, 9, 0), "2028-02-29"),  # leap year
    ],
)
def test_monthly_day_31_is_the_last_day_of_every_month(now, expected):
    c = Cadence("monthly", "UTC", time(9, 0), day=31)
    assert rules.latest_due(c, now)[0] == expected


def test_month_end_in_a_time_zone_ahead_of_utc():
    # 1 March 00:30 in Berlin is still 28 February in UTC: the period is March's.
    c = Cadence("monthly", "Europe/Berlin", time(0, 30), day=1)
    key, at = rules.latest_due(c, utc(2026, 2, 28, 23, 30))
    assert (key, at) == ("2026-03-01", utc(2026, 2, 28, 23, 30))
    assert rules.latest_due(c, utc(2026, 2, 28, 23, 29))[0] == "2026-02-01"


@pytest.mark.parametrize(
    ("zone", "before", "after"),
    [
        # 09:00 local is 08:00 UTC before the spring change and 07:00 after (Berlin).
        ("Europe/Berlin", date(2026, 3, 23), date(2026, 3, 30)),
        # New York: 14:00 UTC in EST, 13:00 UTC in EDT.
        ("America/New_York", date(2026, 3, 2), date(2026, 3, 9)),
    ],
)
def test_weekly_time_follows_the_wall_clock_across_dst(zone, before, after):
    c = Cadence("weekly", zone, time(9, 0), weekday=0)
    one = rules.at_local(c, before)
    two = rules.at_local(c, after)
    assert two - one == timedelta(days=7) - timedelta(hours=1)
    assert rules.latest_due(c, two)[0] == after.isoformat()
    assert rules.latest_due(c, two - timedelta(seconds=1))[0] == before.isoformat()


def test_nonexistent_and_ambiguous_local_times():
    berlin = Cadence("monthly", "Europe/Berlin", time(2, 30), day=29)
    # 29 March 2026 02:30 does not exist in Berlin: it runs at 01:30 UTC (03:30 CEST).
    assert rules.at_local(berlin, date(2026, 3, 29)) == utc(2026, 3, 29, 1, 30)
    # 25 October 2026 02:30 happens twice: the first (CEST, 00:30 UTC).
    october = Cadence("monthly", "Europe/Berlin", time(2, 30), day=25)
    assert rules.at_local(october, date(2026, 10, 25)) == utc(2026, 10, 25, 0, 30)
    ny = Cadence("monthly", "America/New_York", time(1, 30), day=1)
    assert rules.at_local(ny, date(2026, 11, 1)) == utc(2026, 11, 1, 5, 30)  # first 01:30 (EDT)


def test_biweekly_counts_weeks_from_the_start_date():
    c = Cadence("biweekly", "UTC", time(9, 0), weekday=2, start=date(2026, 1, 5))
    first = date(2026, 1, 7)  # the first Wednesday on or after the start
    days = [first + timedelta(days=7 * i) for i in range(6)]
    keys = {rules.latest_due(c, rules.at_local(c, d))[0] for d in days}
    assert keys == {d.isoformat() for d in days[::2]}
    assert rules.latest_due(c, utc(2026, 1, 6)) is None  # nothing before the start


def test_quarterly_falls_in_january_april_july_october():
    c = Cadence("quarterly", "America/New_York", time(10, 0), day=15)
    assert rules.latest_due(c, utc(2026, 6, 30))[0] == "2026-04-15"
    assert rules.next_due(c, utc(2026, 6, 30))[0] == "2026-07-15"
    assert rules.latest_due(c, utc(2027, 1, 15, 14, 59))[0] == "2026-10-15"
    assert rules.latest_due(c, utc(2027, 1, 15, 15, 0))[0] == "2027-01-15"


def test_deadline_keeps_its_window_when_created_late():
    scheduled, offset = utc(2026, 3, 1, 9), timedelta(days=7)
    assert rules.deadline_for(scheduled, scheduled, offset) == utc(2026, 3, 8, 9)
    late = utc(2026, 3, 20)
    assert rules.deadline_for(scheduled, late, offset) == late + offset


# --- rotation ---

POOL = ["cal-a", "cal-b", "cal-c"]


def test_rotation_cycles_through_the_pool():
    history: list[str] = []
    for _ in range(6):
        who, _why = rules.next_calibrator(POOL, history)
        history.append(who)
    assert history == POOL * 2
    assert rules.next_calibrator(POOL, [])[1] == "first"


def test_a_term_lasts_periods_per_calibrator():
    assert rules.next_calibrator(POOL, ["cal-a"], per_term=2) == ("cal-a", "term_continues")
    assert rules.next_calibrator(POOL, ["cal-a", "cal-a"], per_term=2) == ("cal-b", "rotation")


@pytest.mark.parametrize(
    ("on_drift", "history", "expected"),
    [
        ("keep", ["cal-a", "cal-a"], ("cal-b", "rotation")),
        ("skip", ["cal-a", "cal-a"], ("cal-c", "skipped_drift")),
        ("rotate_out", ["cal-a", "cal-a"], ("cal-c", "skipped_drift")),
        ("skip", ["cal-b"], ("cal-b", "term_continues")),  # skip does not cut a term short
        ("rotate_out", ["cal-b"], ("cal-c", "rotated_out_drift")),
        ("keep", ["cal-b"], ("cal-b", "term_continues")),
    ],
)
def test_a_flagged_calibrator_is_skipped_or_rotated_out_by_policy(on_drift, history, expected):
    got = rules.next_calibrator(
        POOL, history, per_term=2, flagged=frozenset({"cal-b"}), on_drift=on_drift
    )
    assert got == expected


def test_everyone_flagged_falls_back_to_plain_order():
    flagged = frozenset(POOL)
    assert rules.next_calibrator(POOL, ["cal-a"], flagged=flagged) == ("cal-b", "all_flagged")
    with pytest.raises(ValueError):
        rules.next_calibrator([], [])


# --- calibration of calibrators on a simulated team ---


def simulated_team(drift: float = 11.0, seed: int = 7):
    """Leadership (4) scores 12 conversations; 3 calibrators were each expert on 4 of them.

    Every score is the conversation's true quality plus the person's noise (SD 2 points);
    calibrator ``cal-b`` adds ``drift`` points to everything, on every criterion.
    """
    rng = random.Random(seed)
    truth = {f"conv-{i}": rng.uniform(60, 90) for i in range(12)}
    leadership = {
        c: [(t + rng.gauss(0, 2), {"q1": t + rng.gauss(0, 2)}) for _ in range(4)]
        for c, t in truth.items()
    }
    expert = []
    for i, (conv, t) in enumerate(truth.items()):
        calibrator = POOL[i % 3]
        bias = drift if calibrator == "cal-b" else 0.0
        expert.append(
            ExpertScore(
                calibrator, conv, t + bias + rng.gauss(0, 2), {"q1": t + bias + rng.gauss(0, 2)}
            )
        )
    return expert, rules.leadership_consensus(leadership)


def test_the_drifting_calibrator_and_no_other_is_flagged():
    expert, consensus = simulated_team()
    rows = rules.calibrators_against_leadership(expert, consensus, gap=5.0)
    by_id = {r["calibrator_id"]: r for r in rows}
    assert [r["calibrator_id"] for r in rows if r["unchallenged_standard"]] == ["cal-b"]
    b = by_id["cal-b"]
    assert b["n"] == 4 and 8 < b["mean"] < 14 and b["ci_low"] > 5
    assert b["criteria"][0]["question_id"] == "q1" and b["criteria"][0]["diverges"]
    for other in ("cal-a", "cal-c"):
        assert by_id[other]["ci_low"] < 0 < by_id[other]["ci_high"]
        assert not by_id[other]["criteria"][0]["diverges"]


@pytest.mark.parametrize("seed", range(5))
def test_no_calibrator_flagged_without_drift(seed):
    expert, consensus = simulated_team(drift=0.0, seed=seed)
    rows = rules.calibrators_against_leadership(expert, consensus, gap=5.0)
    assert not any(r["unchallenged_standard"] for r in rows)


def test_a_single_conversation_never_flags():
    rows = rules.calibrators_against_leadership(
        [ExpertScore("cal-a", "c1", 99.0, {})], {"c1": (70.0, {})}, gap=5.0
    )
    assert rows[0]["n"] == 1 and rows[0]["ci_low"] is None
    assert rows[0]["unchallenged_standard"] is False


# --- the largest complete sub-panel ---


def test_largest_complete_subpanel_of_differing_panels():
    nan = np.nan
    table = TABLE  # session 1: raters 0,1,2 on 3 calls; session 2: raters 1,2,3 on 3 calls
    # {1, 2} share 6 calls (12 cells) and beat {0, 1, 2} (9) and {1, 2, 3} (9).
    assert stats.largest_complete_subpanel(table) == [1, 2]
    assert stats.largest_complete_subpanel(table[:, [0]]) == [0]
    disjoint = np.array([[1, nan], [2, nan], [nan, 3], [nan, 4]])
    assert stats.largest_complete_subpanel(disjoint) == [0, 1]  # no shared call at all
