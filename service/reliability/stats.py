"""Inter-rater reliability: ICC (Shrout & Fleiss; McGraw & Wong) and Krippendorff's alpha.

Pure functions over numpy arrays; no Flask, database or network. Ratings are a units x raters
matrix (rows: interactions or answers, columns: evaluators) with ``NaN`` for a missing rating.
Every statistic that cannot be computed (too few units or raters, no variation) is ``None``, never
``NaN``, so answers serialize to JSON as ``null`` with a ``note`` saying why.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

# Re-exported: callers and tests read the quantiles from here.
from service.reliability.fdist import betainc as betainc
from service.reliability.fdist import f_ppf as f_ppf
from service.reliability.fdist import t_ppf as t_ppf

LEVELS = ("nominal", "ordinal", "interval")
ICC_KEYS = ("icc_1_1", "icc_1_k", "icc_2_1", "icc_2_k", "icc_3_1", "icc_3_k")


def finite(value: float | None) -> float | None:
    """The value as a float, or None when it is missing, NaN or infinite."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


# --- ICC ---


@dataclass(frozen=True)
class Anova:
    """Mean squares of a complete two-way table (n targets x k raters)."""

    n: int
    k: int
    msr: float  # between targets (rows)
    msc: float  # between raters (columns)
    mse: float  # residual
    msw: float  # within targets (one-way model)


@dataclass(frozen=True)
class Icc:
    """One ICC form with its 95 % confidence interval; None where undefined."""

    value: float | None
    ci_low: float | None
    ci_high: float | None


NO_ICC = Icc(None, None, None)


def complete_cases(ratings: np.ndarray) -> np.ndarray:
    """Drop raters with no rating at all, then every unit missing any remaining rater's rating."""
    data = np.asarray(ratings, dtype=float)
    if data.ndim != 2 or data.size == 0:
        return np.empty((0, 0))
    data = data[:, ~np.isnan(data).all(axis=0)]
    return data[~np.isnan(data).any(axis=1)]


def two_way_anova(table: np.ndarray) -> Anova:
    """Mean squares of a complete n x k table (n >= 2, k >= 2)."""
    n, k = table.shape
    grand = table.mean()
    ss_rows = k * float(((table.mean(axis=1) - grand) ** 2).sum())
    ss_cols = n * float(((table.mean(axis=0) - grand) ** 2).sum())
    ss_total = float(((table - grand) ** 2).sum())
    ss_err = max(ss_total - ss_rows - ss_cols, 0.0)
    return Anova(
        n=n,
        k=k,
        msr=ss_rows / (n - 1),
        msc=ss_cols / (k - 1),
        mse=ss_err / ((n - 1) * (k - 1)),
        msw=(ss_cols + ss_err) / (n * (k - 1)),
    )


def _ratio(num: float, den: float) -> float | None:
    return finite(num / den) if den != 0 else None


def _bounds(f_low: float, f_high: float, k: int) -> tuple[float | None, float | None]:
    """Single-rater bounds from the F-based limits (Shrout & Fleiss, cases 1 and 3)."""
    return _ratio(f_low - 1.0, f_low + k - 1.0), _ratio(f_high - 1.0, f_high + k - 1.0)


def _spearman_brown(value: float | None, k: int) -> float | None:
    """Reliability of the mean of k raters from the single-rater reliability."""
    if value is None:
        return None
    return _ratio(k * value, 1.0 + (k - 1.0) * value)


def _f_limits(f0: float, df1: float, df2: float, alpha: float) -> tuple[float, float]:
    upper_q = 1.0 - alpha / 2.0
    return f0 / f_ppf(upper_q, df1, df2), f0 * f_ppf(upper_q, df2, df1)


def icc_one_way(a: Anova, alpha: float = 0.05) -> tuple[Icc, Icc]:
    """ICC(1,1) and ICC(1,k): one-way random effects."""
    value = _ratio(a.msr - a.msw, a.msr + (a.k - 1) * a.msw)
    value_k = _ratio(a.msr - a.msw, a.msr)
    f0 = _ratio(a.msr, a.msw)
    if value is None or f0 is None or f0 <= 0:
        return Icc(value, None, None), Icc(value_k, None, None)
    fl, fu = _f_limits(f0, a.n - 1, a.n * (a.k - 1), alpha)
    lo, hi = _bounds(fl, fu, a.k)
    return Icc(value, lo, hi), Icc(value_k, _ratio(fl - 1.0, fl), _ratio(fu - 1.0, fu))


def icc_consistency(a: Anova, alpha: float = 0.05) -> tuple[Icc, Icc]:
    """ICC(3,1) and ICC(3,k): two-way mixed effects, consistency."""
    value = _ratio(a.msr - a.mse, a.msr + (a.k - 1) * a.mse)
    value_k = _ratio(a.msr - a.mse, a.msr)
    f0 = _ratio(a.msr, a.mse)
    if value is None or f0 is None or f0 <= 0:
        return Icc(value, None, None), Icc(value_k, None, None)
    fl, fu = _f_limits(f0, a.n - 1, (a.n - 1) * (a.k - 1), alpha)
    lo, hi = _bounds(fl, fu, a.k)
    return Icc(value, lo, hi), Icc(value_k, _ratio(fl - 1.0, fl), _ratio(fu - 1.0, fu))


def _agreement_ci(a: Anova, value: float, alpha: float) -> tuple[float | None, float | None]:
    """McGraw & Wong (1996) confidence interval of ICC(A,1), Satterthwaite degrees of freedom."""
    n, k = a.n, a.k
    if value >= 1.0:
        return None, None
    ca = k * value / (n * (1.0 - value))
    cb = 1.0 + k * value * (n - 1) / (n * (1.0 - value))
    den = (ca * a.msc) ** 2 / (k - 1) + (cb * a.mse) ** 2 / ((n - 1) * (k - 1))
    v = _ratio((ca * a.msc + cb * a.mse) ** 2, den)
    if v is None or v <= 0:
        return None, None
    upper_q = 1.0 - alpha / 2.0
    fl, fu = f_ppf(upper_q, n - 1, v), f_ppf(upper_q, v, n - 1)
    spread = k * a.msc + (k * n - k - n) * a.mse
    lo = _ratio(n * (a.msr - fl * a.mse), fl * spread + n * a.msr)
    hi = _ratio(n * (fu * a.msr - a.mse), spread + n * fu * a.msr)
    return lo, hi


def icc_agreement(a: Anova, alpha: float = 0.05) -> tuple[Icc, Icc]:
    """ICC(2,1) and ICC(2,k): two-way random effects, absolute agreement."""
    value = _ratio(a.msr - a.mse, a.msr + (a.k - 1) * a.mse + a.k * (a.msc - a.mse) / a.n)
    value_k = _ratio(a.msr - a.mse, a.msr + (a.msc - a.mse) / a.n)
    if value is None:
        return NO_ICC, Icc(value_k, None, None)
    lo, hi = _agreement_ci(a, value, alpha)
    return Icc(value, lo, hi), Icc(value_k, _spearman_brown(lo, a.k), _spearman_brown(hi, a.k))


@dataclass(frozen=True)
class IccReport:
    """Every ICC form of one table, how much of the table was usable, and why values are missing.

    ``note`` says why no form could be computed at all ("" otherwise); ``coverage`` which calls
    and raters were left out of the complete table; ``form_notes``, per form key, why that form
    is null or has no interval.
    """

    forms: dict[str, Icc]
    units_used: int
    raters_used: int
    note: str = ""
    form_notes: dict[str, str] = field(default_factory=dict)
    coverage: str = ""

    def notes(self, keys: Iterable[str] = ICC_KEYS) -> list[str]:
        """The table note, the coverage note and the notes of the given forms, in that order."""
        found = [self.form_notes[key] for key in keys if key in self.form_notes]
        return [n for n in (self.note, self.coverage) if n] + found


def model_range(key: str, k: int) -> tuple[float, float]:
    """The values an ICC form can take under its model (k raters).

    A single-rater ICC is the correlation of two of k exchangeable ratings of a call, which
    cannot be below -1/(k-1) (the k x k correlation matrix must stay positive semi-definite);
    an average-measure ICC is the correlation of two panels' mean scores, within [-1, 1].
    """
    low = -1.0 / (k - 1) if key.endswith("_1") and k > 1 else -1.0
    return low, 1.0


def _table_note(n: int, k: int) -> str:
    """Why no ICC form can be computed from a complete n x k table ("" when they can).

    ``k`` counts every rater with at least one rating (``complete_cases`` drops only the others).
    """
    if k == 0:
        return "no ratings"
    if k == 1:
        return "only 1 rater has ratings; ICC needs at least 2"
    if n == 0:
        return f"no call was rated by every rater (ICC uses only calls all {k} raters scored)"
    if n == 1:
        return f"only 1 call was rated by all {k} raters; ICC needs at least 2"
    return ""


def _no_interval_reason(key: str, value: float, a: Anova) -> str:
    if value >= 1.0 - 1e-12:
        kind = "agreement" if key.startswith("icc_2") else "consistency"
        return (
            f"{key} is 1 (perfect {kind}: no residual variance), "
            "so its confidence interval is undefined"
        )
    if a.msr == 0:
        return f"{key}: every call has the same mean score, so its confidence interval is undefined"
    return f"{key}: the interval's Satterthwaite degrees of freedom are not positive; no interval"


def check_form(key: str, form: Icc, a: Anova) -> tuple[Icc, str]:
    """The form unchanged with a note, or ``NO_ICC`` with the reason it cannot be reported.

    Null when the value or an interval limit lies outside ``model_range`` or the interval is
    unordered (an estimate the model cannot produce is an artefact, not a reliability).
    """
    low, high = model_range(key, a.k)
    if form.value is None:
        return NO_ICC, f"{key}: undefined (its denominator is zero)"
    if not low - 1e-9 <= form.value <= high + 1e-9:
        return NO_ICC, (
            f"{key}: the estimate {form.value:.4g} lies outside [{low:.4g}, {high:.4g}], the range "
            "the model allows (scores vary more within calls than between them), so it is null"
        )
    if form.ci_low is None or form.ci_high is None:
        return Icc(form.value, None, None), _no_interval_reason(key, form.value, a)
    if form.ci_low > form.ci_high:
        interval = f"[{form.ci_low:.4g}, {form.ci_high:.4g}]"
        return NO_ICC, f"{key}: its interval {interval} is unordered, so it is null"
    if form.ci_low < low - 1e-9 or form.ci_high > high + 1e-9:
        return NO_ICC, (
            f"{key}: its interval [{form.ci_low:.4g}, {form.ci_high:.4g}] leaves "
            f"[{low:.4g}, {high:.4g}], the range the model allows, so it is null"
        )
    return form, ""


def icc(ratings: np.ndarray, alpha: float = 0.05) -> IccReport:
    """All six Shrout & Fleiss ICC forms of a units x raters matrix (complete cases).

    Forms the model cannot produce are None with a note (``check_form``).
    """
    data = np.asarray(ratings, dtype=float)
    table = complete_cases(data)
    n, k = table.shape
    note = _table_note(n, k)
    a = two_way_anova(table) if not note else None
    if a is not None and a.msr == 0 and a.msc == 0 and a.mse == 0:
        note = "no variation: every rating used is identical"
    if note or a is None:
        return IccReport(dict.fromkeys(ICC_KEYS, NO_ICC), n, k, note)
    (i11, i1k), (i21, i2k), (i31, i3k) = (
        icc_one_way(a, alpha),
        icc_agreement(a, alpha),
        icc_consistency(a, alpha),
    )
    forms, notes = {}, {}
    for key, form in zip(ICC_KEYS, (i11, i1k, i21, i2k, i31, i3k), strict=True):
        forms[key], why = check_form(key, form, a)
        if why:
            notes[key] = why
    return IccReport(forms, n, k, "", notes, _coverage_note(data.shape, n, k))


def _coverage_note(shape: tuple[int, ...], n: int, k: int) -> str:
    """Which calls and raters the complete table left out ("" when none)."""
    units, raters = shape
    parts = []
    if k < raters:
        parts.append(f"{raters - k} of {raters} raters have no rating and are left out")
    if n < units:
        parts.append(f"computed on the {n} of {units} calls every rater scored")
    return "; ".join(parts)


# --- Krippendorff's alpha ---


def _interval_alpha(data: np.ndarray) -> float | None:
    """Interval alpha in closed form: squared differences summed within and across units."""
    present = ~np.isnan(data)
    m = present.sum(axis=1)
    keep = m >= 2
    values, m = np.where(present[keep], data[keep], 0.0), m[keep].astype(float)
    n = m.sum()
    if n < 2:
        return None
    s1, s2 = values.sum(axis=1), (values**2).sum(axis=1)
    observed = float(((2.0 * m * s2 - 2.0 * s1**2) / (m - 1.0)).sum())
    expected = (2.0 * n * s2.sum() - 2.0 * s1.sum() ** 2) / (n - 1.0)
    if expected <= 1e-12 * max(1.0, abs(s2.sum())):
        return None
    return finite(1.0 - observed / expected)


def _ordinal_delta(n_c: np.ndarray) -> np.ndarray:
    """Krippendorff's ordinal metric from the value frequencies."""
    cum = np.concatenate([[0.0], np.cumsum(n_c)])
    idx = np.arange(len(n_c))
    lo, hi = np.minimum.outer(idx, idx), np.maximum.outer(idx, idx)
    between = cum[hi + 1] - cum[lo]
    return (between - (n_c[lo] + n_c[hi]) / 2.0) ** 2


def _coincidence_alpha(data: np.ndarray, level: str) -> float | None:
    """Nominal or ordinal alpha through the coincidence matrix."""
    present = ~np.isnan(data)
    keep = present.sum(axis=1) >= 2
    data = data[keep]
    domain = np.unique(data[~np.isnan(data)])
    if domain.size == 0:
        return None
    codes = np.where(np.isnan(data), -1, np.searchsorted(domain, np.nan_to_num(data)))
    counts = (codes[:, :, None] == np.arange(domain.size)).sum(axis=1).astype(float)
    weights = 1.0 / (counts.sum(axis=1) - 1.0)
    coincidence = (counts * weights[:, None]).T @ counts
    coincidence -= np.diag((counts * weights[:, None]).sum(axis=0))
    n_c = coincidence.sum(axis=0)
    n = n_c.sum()
    delta = 1.0 - np.eye(domain.size) if level == "nominal" else _ordinal_delta(n_c)
    expected = float((np.outer(n_c, n_c) * delta).sum())
    if n < 2 or expected <= 0:
        return None
    return finite(1.0 - (n - 1.0) * float((coincidence * delta).sum()) / expected)


def krippendorff_alpha(ratings: np.ndarray, level: str = "interval") -> float | None:
    """Krippendorff's alpha of a units x raters matrix with NaN for missing ratings.

    None when fewer than two pairable values exist or the data show no variation (alpha is 0/0).
    Raises ``ValueError`` for an unknown level.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    data = np.asarray(ratings, dtype=float)
    if data.ndim != 2 or data.size == 0:
        return None
    if level == "interval":
        return _interval_alpha(data)
    return _coincidence_alpha(data, level)


def alpha_note(ratings: np.ndarray) -> str:
    """Why Krippendorff's alpha of this matrix is undefined (call it when alpha is None)."""
    data = np.asarray(ratings, dtype=float)
    if data.ndim != 2 or data.size == 0 or not (~np.isnan(data)).any():
        return "alpha undefined: no ratings"
    pairable = data[(~np.isnan(data)).sum(axis=1) >= 2]
    if pairable.size == 0:
        return "alpha undefined: no call was rated by 2 or more raters, so no ratings pair up"
    return "alpha undefined: no variation, every rating of a call rated twice or more is identical"


def nominal_agreement_batch(codes: np.ndarray, n_values: int) -> tuple[np.ndarray, np.ndarray]:
    """Nominal alpha and percent agreement of many questions at once.

    ``codes`` is an integer array (questions x units x raters) of answer indexes in
    ``[0, n_values)``, -1 for missing. Returns two float arrays (questions,) with NaN where a
    question's statistic is undefined; callers turn NaN into None.
    """
    onehot = (codes[..., None] == np.arange(n_values)).astype(float)
    counts = onehot.sum(axis=2)  # questions x units x values
    m = counts.sum(axis=2)
    pairable = m >= 2
    weights = np.where(pairable, 1.0 / np.where(pairable, m - 1.0, 1.0), 0.0)
    weighted = counts * weights[..., None]
    n_c = (counts * pairable[..., None]).sum(axis=1)
    matches = (weighted * counts).sum(axis=(1, 2)) - weighted.sum(axis=(1, 2))
    n = n_c.sum(axis=1)
    expected = n**2 - (n_c**2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - (n - 1.0) * (n - matches) / expected
        pairs = np.where(pairable, m * (m - 1.0), 1.0)
        unit_agree = (counts * (counts - 1.0)).sum(axis=2) / pairs
        agreement = np.where(pairable, unit_agree, 0.0).sum(axis=1) / pairable.sum(axis=1)
    alpha = np.where((n >= 2) & (expected > 0), alpha, np.nan)
    return alpha, agreement


def percent_agreement(answers: np.ndarray) -> float | None:
    """Share of agreeing rater pairs per unit, averaged over units with at least two ratings."""
    data = np.asarray(answers, dtype=float)
    if data.ndim != 2 or data.size == 0:
        return None
    domain = np.unique(data[~np.isnan(data)])
    codes = np.where(np.isnan(data), -1, np.searchsorted(domain, np.nan_to_num(data)))
    _alpha, agreement = nominal_agreement_batch(codes[None, ...], max(domain.size, 1))
    return finite(agreement[0])


# --- reading the numbers ---


def icc_band(value: float | None) -> str:
    """Koo & Li (2016): below .50 poor, .50-.75 moderate, .75-.90 good, above .90 excellent."""
    if value is None or not -1.0 <= value <= 1.0:
        return "undefined"  # an ICC outside [-1, 1] is no reliability: never banded
    if value < 0.5:
        return "poor"
    if value < 0.75:
        return "moderate"
    if value <= 0.9:
        return "good"
    return "excellent"


def alpha_band(value: float | None) -> str:
    """Krippendorff (2004): alpha >= .800 reliable, >= .667 tentative, below that unreliable."""
    if value is None:
        return "undefined"
    if value >= 0.8:
        return "reliable"
    if value >= 0.667:
        return "tentative"
    return "unreliable"


# --- the largest complete sub-panel (pooled ICC across sessions whose panels differ) ---

MAX_EXACT_RATERS = 14  # above this, greedy elimination instead of every subset


def _complete_count(patterns: Mapping[int, int], subset: int) -> int:
    """Calls whose raters include every rater of ``subset`` (bit masks)."""
    return sum(count for mask, count in patterns.items() if mask & subset == subset)


def _subpanel_key(patterns: Mapping[int, int], subset: int) -> tuple[int, int, int, int]:
    """Ranking of a subset: at least 2 calls first, then calls x raters, raters, calls."""
    n, k = _complete_count(patterns, subset), subset.bit_count()
    return (int(n >= 2), n * k, k, n)


def largest_complete_subpanel(ratings: np.ndarray) -> list[int]:
    """Column indices of the rater subset whose complete table is largest.

    Criterion (documented in docs/calibration.md): among subsets of at least 2 raters, the
    one maximizing (complete calls x raters), preferring a table of at least 2 calls, then more
    raters, then more calls; ties go to the earlier columns. Exact over every subset up to
    ``MAX_EXACT_RATERS`` raters with ratings (calls are grouped by which raters scored them);
    above that, greedy: drop the rater whose removal ranks best while it improves the rank.
    Fewer than 2 raters with ratings: those raters (ICC then says why it is undefined).
    """
    observed = ~np.isnan(np.asarray(ratings, dtype=float))
    cols = (
        [j for j in range(observed.shape[1]) if observed[:, j].any()] if observed.ndim == 2 else []
    )
    if len(cols) < 2:
        return cols
    patterns: dict[int, int] = {}
    for row in observed[:, cols]:
        mask = sum(1 << i for i, seen in enumerate(row) if seen)
        patterns[mask] = patterns.get(mask, 0) + 1
    full = (1 << len(cols)) - 1
    if len(cols) <= MAX_EXACT_RATERS:
        subsets = [s for s in range(1, full + 1) if s.bit_count() >= 2]
        best = max(subsets, key=lambda s: (_subpanel_key(patterns, s), -s))
    else:
        best = full
        while best.bit_count() > 2:
            options = [best & ~(1 << i) for i in range(len(cols)) if best >> i & 1]
            step = max(options, key=lambda s: _subpanel_key(patterns, s))
            if _subpanel_key(patterns, step) <= _subpanel_key(patterns, best):
                break
            best = step
    return [cols[i] for i in range(len(cols)) if best >> i & 1]
