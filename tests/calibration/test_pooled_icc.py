"""Pooled reliability across sessions whose panels differ: ICC on the largest complete
sub-panel, with its size, never silently null."""

from __future__ import annotations

import numpy as np

from service.calibration import rules
from service.reliability import stats

nan = np.nan
RATERS = ["r0", "r1", "r2", "r3"]
# Session 1 was scored by r0, r1, r2; session 2 by r1, r2, r3: no call has all four.
TABLE = np.array(
    [
        [70, 72, 71, nan],
        [80, 83, 79, nan],
        [60, 61, 65, nan],
        [nan, 75, 74, 77],
        [nan, 90, 88, 91],
        [nan, 66, 69, 64],
    ]
)


def test_icc_uses_the_largest_complete_sub_panel():
    whole = rules.reliability(TABLE)
    assert whole["icc_2_1"] is None  # complete cases of all four raters: nothing
    pooled = rules.pooled_reliability(TABLE, RATERS)
    assert pooled["icc_raters"] == ["r1", "r2"]
    assert (pooled["icc_units_used"], pooled["icc_raters_used"]) == (6, 2)
    expected = rules.reliability(TABLE[:, [1, 2]])
    for key in ("icc_1_1", "icc_2_1", "icc_2_k", "icc_3_1", "icc_2_1_ci_low"):
        assert pooled[key] == expected[key] and pooled[key] is not None
    assert pooled["note"].startswith(
        "ICC on the largest complete sub-panel: 6 calls x 2 raters (of 6 calls, 4 raters"
    )
    # Alpha keeps every rating.
    assert pooled["krippendorff_alpha"] == rules.r4(stats.krippendorff_alpha(TABLE, "interval"))
    assert (pooled["units"], pooled["raters"]) == (6, 4)


def test_disjoint_panels_say_why_there_is_no_icc():
    table = np.array([[70, nan], [80, nan], [nan, 60], [nan, 90]])
    pooled = rules.pooled_reliability(table, ["a", "b"])
    assert pooled["icc_2_1"] is None and pooled["icc_units_used"] == 0
    assert "0 calls x 2 raters" in pooled["note"] and "no call was rated" in pooled["note"]


def test_a_third_rater_is_kept_when_it_adds_cells():
    # All three share 5 calls (15 cells); dropping r2 would give 6 calls x 2 (12): keep three.
    table = np.array([[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 7], [5, 6, 6], [6, 7, nan]], float)
    assert stats.largest_complete_subpanel(table) == [0, 1, 2]


def test_greedy_search_above_the_exact_limit():
    rng = np.random.default_rng(3)
    k = stats.MAX_EXACT_RATERS + 2
    table = rng.normal(70, 10, size=(30, k))
    table[:10, -1] = nan  # the last rater misses a third of the calls
    cols = stats.largest_complete_subpanel(table)
    assert cols == list(range(k - 1))  # 30 x 15 beats 20 x 16
