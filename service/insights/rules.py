"""The statistics of the insight pages, as pure functions: Welch intervals on a change in mean
score, a difference-in-differences, Cohen's kappa, overturn rates and the alert thresholds.

No Flask, SQLAlchemy or network. Formulas and their sources are in docs/insights.md.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from service.reliability.stats import t_ppf
from service.scoring.rules import cohen_kappa as scoring_kappa

CONFIDENCE = 0.95
T = TypeVar("T")


@dataclass(frozen=True)
class Interval:
    """A linear contrast of group means: estimate, standard error, Welch-Satterthwaite degrees
    of freedom and the two-sided confidence interval (None when a group has fewer than 2)."""

    estimate: float | None
    se: float | None
    df: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def covers_zero(self) -> bool | None:
        """True when the interval contains 0 (no detectable effect); None without an interval."""
        if self.ci_low is None or self.ci_high is None:
            return None
        return self.ci_low <= 0.0 <= self.ci_high


NO_INTERVAL = Interval(None, None, None, None, None)


def mean_and_variance(values: Sequence[float]) -> tuple[int, float, float]:
    """(n, mean, sample variance with n - 1); raises ``ValueError`` below two values."""
    n = len(values)
    if n < 2:
        raise ValueError("a sample variance needs at least two values")
    mean = sum(values) / n
    return n, mean, sum((v - mean) ** 2 for v in values) / (n - 1)


def contrast(
    groups: Sequence[tuple[float, Sequence[float]]], confidence: float = CONFIDENCE
) -> Interval:
    """``sum(w_i * mean_i)`` over independent groups ``(w_i, values_i)`` with a t interval.

    Variance ``sum(w_i^2 s_i^2 / n_i)``; degrees of freedom by Welch-Satterthwaite
    ``(sum v_i)^2 / sum(v_i^2 / (n_i - 1))`` (Welch 1947, Satterthwaite 1946). Two groups with
    weights -1, +1 is Welch's t interval. Without at least two values in every group the
    estimate is still given when every group has one value, but there is no interval.
    """
    if any(len(values) == 0 for _w, values in groups):
        return NO_INTERVAL
    if any(len(values) < 2 for _w, values in groups):
        estimate = sum(w * sum(v) / len(v) for w, v in groups)
        return Interval(estimate, None, None, None, None)
    parts = []
    for weight, values in groups:
        n, mean, var = mean_and_variance(values)
        parts.append((weight * mean, weight * weight * var / n, n))
    estimate = sum(p[0] for p in parts)
    total = sum(p[1] for p in parts)
    if total == 0.0:
        return Interval(estimate, 0.0, math.inf, estimate, estimate)
    df = total * total / sum(v * v / (n - 1) for _m, v, n in parts if v > 0)
    half = t_ppf(0.5 + confidence / 2.0, df) * math.sqrt(total)
    return Interval(estimate, math.sqrt(total), df, estimate - half, estimate + half)


def welch_change(before: Sequence[float], after: Sequence[float]) -> Interval:
    """The change ``mean(after) - mean(before)`` with Welch's 95 % interval."""
    return contrast([(-1.0, before), (1.0, after)])


def difference_in_differences(
    treated_before: Sequence[float],
    treated_after: Sequence[float],
    control_before: Sequence[float],
    control_after: Sequence[float],
) -> Interval:
    """``(treated after - before) - (control after - before)`` with a Welch-Satterthwaite
    interval over the four independent groups (the 2x2 difference-in-differences, e.g.
    Angrist & Pischke, *Mostly Harmless Econometrics*, 2009, section 5.2)."""
    return contrast(
        [
            (-1.0, treated_before),
            (1.0, treated_after),
            (1.0, control_before),
            (-1.0, control_after),
        ]
    )


# --- agreement ---


@dataclass(frozen=True)
class Kappa:
    """Agreement of paired labels: pairs, the share that agree, and Cohen's kappa."""

    n: int
    observed: float | None
    kappa: float | None


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> Kappa:
    """Cohen's kappa ``(p_o - p_e) / (1 - p_e)`` of (rater A, rater B) labels (Cohen 1960),
    computed by the project's one implementation, ``service.scoring.rules.cohen_kappa`` (also
    ``qmloop eval``'s), with the observed share of agreeing pairs beside it.

    Kappa is None without pairs. When both sides gave one and the same label every time, chance
    agreement is 1 as well and that function reports 1.0 (all agree) or 0.0.
    """
    labelled = [(str(a), str(b)) for a, b in pairs]
    if not labelled:
        return Kappa(0, None, None)
    observed = sum(1 for a, b in labelled if a == b) / len(labelled)
    return Kappa(len(labelled), observed, scoring_kappa(labelled))


def overturn_rate(changed: int, decided: int) -> float | None:
    """Share of decided disputed answers the supervisor changed; None when none was decided."""
    if decided < 0 or changed < 0 or changed > decided:
        raise ValueError("need 0 <= changed <= decided")
    return changed / decided if decided else None


# --- alerts ---


def kappa_alert(kappa: float | None, pairs: int, min_kappa: float, min_pairs: int) -> bool:
    """True when a question's kappa is below ``min_kappa`` (at it is fine) over enough pairs."""
    return kappa is not None and pairs >= min_pairs and kappa < min_kappa


def overturn_alert(rate: float | None, decided: int, max_rate: float, min_decided: int) -> bool:
    """True when the overturn rate is above ``max_rate`` (at it is fine) over enough disputes."""
    return rate is not None and decided >= min_decided and rate > max_rate


def latest(rows: Sequence[tuple[Any, T]], window: int) -> list[T]:
    """The items of the newest ``window`` rows of ``(sortable time, item)``, newest first."""
    return [item for _at, item in sorted(rows, key=lambda r: r[0], reverse=True)[:window]]
