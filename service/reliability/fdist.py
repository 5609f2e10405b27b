"""The F and t distributions' quantiles, from a regularized incomplete beta function.

Used for ICC confidence intervals and t intervals without a statistics stack (SciPy is only a
test-time cross-check). Pure functions; Numerical Recipes' continued fraction (modified Lentz).
"""

from __future__ import annotations

import math
from functools import lru_cache

_TINY = 1e-300
_EPS = 1e-14


def _beta_cf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        for aa in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + aa / c
            c = c if abs(c) > _TINY else _TINY
            h *= d * c
        if abs(d * c - 1.0) < _EPS:
            break
    return h


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(a * math.log(x) + b * math.log1p(-x) - _log_beta(a, b))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_cf(a, b, x) / a
    return 1.0 - front * _beta_cf(b, a, 1.0 - x) / b


def _beta_pdf(x: float, a: float, b: float, log_norm: float) -> float:
    """Density of Beta(a, b) at x, or 0 where it cannot be represented."""
    if not 0.0 < x < 1.0:
        return 0.0
    try:
        return math.exp((a - 1.0) * math.log(x) + (b - 1.0) * math.log1p(-x) - log_norm)
    except OverflowError:
        return math.inf


def _beta_ppf(p: float, a: float, b: float) -> float:
    """Inverse of ``betainc`` in x: Newton steps inside a shrinking bracket, else bisection.

    Tiny degrees of freedom (a Satterthwaite estimate near 0) push the answer against 1; the
    bracket keeps every step inside (0, 1) and the result may then be 1.0 (an infinite F).
    """
    lo, hi, x = 0.0, 1.0, a / (a + b)
    log_norm = _log_beta(a, b)
    for _ in range(400):
        err = betainc(a, b, x) - p
        if abs(err) < 1e-13:
            break
        if err > 0:
            hi = x
        else:
            lo = x
        pdf = _beta_pdf(x, a, b, log_norm)
        step = x - err / pdf if 0.0 < pdf < math.inf else -1.0
        x = step if lo < step < hi else (lo + hi) / 2.0
        if hi - lo < 1e-16 or x in (lo, hi):
            break
    return x


@lru_cache(maxsize=4096)
def f_ppf(q: float, d1: float, d2: float) -> float:
    """Quantile ``q`` of the F distribution with ``d1`` and ``d2`` degrees of freedom."""
    if not (0.0 < q < 1.0) or d1 <= 0 or d2 <= 0:
        raise ValueError("f_ppf needs 0 < q < 1 and positive degrees of freedom")
    x = _beta_ppf(q, d1 / 2.0, d2 / 2.0)
    if x >= 1.0:
        return math.inf
    return d2 * x / (d1 * (1.0 - x))


def t_ppf(q: float, df: float) -> float:
    """Upper quantile ``q`` (> 0.5) of Student's t, from F(1, df)."""
    return math.sqrt(f_ppf(2.0 * q - 1.0, 1.0, df))
