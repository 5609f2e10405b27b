"""Reference values: Shrout & Fleiss (1979), McGraw & Wong (1996), Krippendorff (2011)."""

from __future__ import annotations

import json
import math

import krippendorff
import numpy as np
import pytest

from service.reliability import stats

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
    dtype=float,
)

# Published point estimates (Shrout & Fleiss, Table 4) and 95 % limits (the F-based intervals of
# Shrout & Fleiss for cases 1 and 3, McGraw & Wong's Satterthwaite interval for ICC(A,1)).
ICC_REFERENCE = {
    "icc_1_1": (0.17, -0.13, 0.72),
    "icc_1_k": (0.44, -0.88, 0.91),
    "icc_2_1": (0.29, 0.02, 0.76),
    "icc_2_k": (0.62, 0.07, 0.93),
    "icc_3_1": (0.71, 0.34, 0.95),
    "icc_3_k": (0.91, 0.68, 0.99),
}

NAN = np.nan
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
# 12 units, missing values. Rows are units here, columns observers A..D.
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
).T


@pytest.mark.parametrize("key", list(ICC_REFERENCE))
def test_icc_reproduces_shrout_fleiss(key):
    form = stats.icc(SHROUT_FLEISS).forms[key]
    value, low, high = ICC_REFERENCE[key]
    assert round(form.value, 2) == value
    assert round(form.ci_low, 2) == low
    assert round(form.ci_high, 2) == high


def test_anova_mean_squares_match_shrout_fleiss_table_3():
    a = stats.two_way_anova(SHROUT_FLEISS)
    # BMS 11.24, WMS 6.26, JMS 32.49, EMS 1.02 in the paper.
    assert (round(a.msr, 2), round(a.msw, 2), round(a.msc, 2), round(a.mse, 2)) == (
        11.24,
        6.26,
        32.49,
        1.02,
    )


@pytest.mark.parametrize(
    ("level", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)],
)
def test_alpha_reproduces_krippendorff_2011(level, expected):
    assert round(stats.krippendorff_alpha(KRIPPENDORFF_2011, level), 3) == expected


@pytest.mark.parametrize("level", stats.LEVELS)
@pytest.mark.parametrize("seed", range(25))
def test_alpha_agrees_with_krippendorff_package_on_missing_data(level, seed):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 5, (rng.integers(3, 15), rng.integers(2, 8))).astype(float)
    data[rng.random(data.shape) < 0.3] = np.nan
    mine = stats.krippendorff_alpha(data, level)
    try:
        theirs = krippendorff.alpha(reliability_data=data.T, level_of_measurement=level)
    except ValueError:
        theirs = math.nan
    if not math.isfinite(theirs):
        assert mine is None
    else:
        assert mine == pytest.approx(theirs, abs=1e-9)


def test_nominal_batch_matches_single_alpha():
    rng = np.random.default_rng(7)
    codes = rng.integers(-1, 3, (6, 5, 4))
    alphas, _agreement = stats.nominal_agreement_batch(codes, 3)
    for q in range(6):
        data = np.where(codes[q] < 0, np.nan, codes[q]).astype(float)
        expected = stats.krippendorff_alpha(data, "nominal")
        if expected is None:
            assert math.isnan(alphas[q])
        else:
            assert alphas[q] == pytest.approx(expected)


def test_percent_agreement_counts_agreeing_pairs():
    # unit 1: all 3 pairs agree; unit 2: 1 of 3 pairs; unit 3 has one rating (left out).
    data = np.array([[1, 1, 1], [1, 1, 2], [2, NAN, NAN]])
    assert stats.percent_agreement(data) == pytest.approx((1 + 1 / 3) / 2)


@pytest.mark.parametrize(
    ("q", "d1", "d2", "expected"),
    [(0.975, 5, 15, 3.5764), (0.975, 5, 18, 3.3820), (0.975, 15, 5, 6.4277), (0.95, 1, 10, 4.9646)],
)
def test_f_quantiles_match_tables(q, d1, d2, expected):
    assert stats.f_ppf(q, d1, d2) == pytest.approx(expected, abs=1e-4)


def test_f_quantiles_match_scipy_when_available():
    scipy_stats = pytest.importorskip("scipy.stats")
    for q, d1, d2 in [(0.975, 3.7, 5.0), (0.975, 200, 3), (0.975, 0.8, 40), (0.5, 2, 2)]:
        assert stats.f_ppf(q, d1, d2) == pytest.approx(scipy_stats.f.ppf(q, d1, d2), rel=1e-9)


def test_t_quantile():
    assert stats.t_ppf(0.975, 10) == pytest.approx(2.228139, abs=1e-6)


@pytest.mark.parametrize(
    "table",
    [
        np.empty((0, 0)),
        np.array([[80.0], [70.0], [90.0]]),  # one rater
        np.array([[80.0, 80.0], [80.0, 80.0]]),  # identical scores
        np.array([[80.0, 70.0]]),  # one unit
        np.array([[80.0, NAN], [NAN, 70.0]]),  # no complete case, no pairable unit
        np.full((3, 3), NAN),  # nothing at all
    ],
    ids=["empty", "one-rater", "identical", "one-unit", "no-overlap", "all-missing"],
)
def test_degenerate_inputs_give_none_never_nan(table):
    report = stats.icc(table)
    for form in report.forms.values():
        for v in (form.value, form.ci_low, form.ci_high):
            assert v is None or math.isfinite(v)
    assert report.note
    for level in stats.LEVELS:
        alpha = stats.krippendorff_alpha(table, level)
        assert alpha is None or math.isfinite(alpha)
    json.dumps([stats.krippendorff_alpha(table, "interval")], allow_nan=False)


def test_identical_scores_alpha_is_undefined_but_agreement_is_perfect():
    table = np.full((4, 3), 2.0)
    assert stats.krippendorff_alpha(table, "nominal") is None
    assert stats.percent_agreement(table) == 1.0


def test_perfect_agreement_with_variation():
    table = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0]])
    assert stats.krippendorff_alpha(table, "interval") == pytest.approx(1.0)
    forms = stats.icc(table).forms
    assert forms["icc_2_1"].value == pytest.approx(1.0)
    assert forms["icc_2_1"].ci_low is None  # an interval around a perfect ICC is degenerate


def test_icc_drops_incomplete_units():
    table = np.vstack([SHROUT_FLEISS, [[5, NAN, 4, 4]]])
    report = stats.icc(table)
    assert report.units_used == 6
    assert round(report.forms["icc_2_1"].value, 2) == 0.29


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (None, "undefined"),
        (0.4999, "poor"),
        (0.5, "moderate"),
        (0.7499, "moderate"),
        (0.75, "good"),
        (0.9, "good"),
        (0.9001, "excellent"),
    ],
)
def test_icc_bands_koo_li(value, band):
    assert stats.icc_band(value) == band


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (None, "undefined"),
        (0.666, "unreliable"),
        (0.667, "tentative"),
        (0.799, "tentative"),
        (0.8, "reliable"),
    ],
)
def test_alpha_bands(value, band):
    assert stats.alpha_band(value) == band


def test_unknown_level_is_an_error():
    with pytest.raises(ValueError):
        stats.krippendorff_alpha(SHROUT_FLEISS, "ratio")


@pytest.mark.parametrize(("d1", "d2"), [(1.0, 0.0244), (0.0244, 1.0), (1e-3, 1e-3), (400, 0.05)])
def test_f_quantile_with_tiny_degrees_of_freedom_is_defined(d1, d2):
    # Satterthwaite's df for ICC(A,1) can be near 0 (found by hypothesis): no crash, no NaN.
    value = stats.f_ppf(0.975, d1, d2)
    assert value > 0 and not math.isnan(value)


def test_icc_interval_with_near_zero_satterthwaite_df_is_finite_or_none():
    table = np.array([[50.0, 50.0, 0.0], [50.0, 50.0, 100.0], [50.0, 50.0, 50.0]])
    report = stats.icc(table)
    for form in report.forms.values():
        for v in (form.value, form.ci_low, form.ci_high):
            assert v is None or math.isfinite(v)


@pytest.mark.parametrize("seed", range(10))
def test_icc_2_k_interval_equals_mcgraw_wong_a_k_formula(seed):
    # McGraw & Wong's own ICC(A,k) limits, computed directly, equal our Spearman-Brown step-up.
    rng = np.random.default_rng(seed)
    table = rng.normal(0, 1, (8, 1)) + rng.normal(0, 0.5, (1, 4)) + rng.normal(0, 0.7, (8, 4))
    a = stats.two_way_anova(table)
    n, k = a.n, a.k
    single = stats.icc(table).forms["icc_2_1"].value
    ca, cb = k * single / (n * (1 - single)), 1 + k * single * (n - 1) / (n * (1 - single))
    v = (ca * a.msc + cb * a.mse) ** 2 / (
        (ca * a.msc) ** 2 / (k - 1) + (cb * a.mse) ** 2 / ((n - 1) * (k - 1))
    )
    fl, fu = stats.f_ppf(0.975, n - 1, v), stats.f_ppf(0.975, v, n - 1)
    low = n * (a.msr - fl * a.mse) / (fl * (a.msc - a.mse) + n * a.msr)
    high = n * (fu * a.msr - a.mse) / ((a.msc - a.mse) + n * fu * a.msr)
    form = stats.icc(table).forms["icc_2_k"]
    assert (form.ci_low, form.ci_high) == (pytest.approx(low), pytest.approx(high))
