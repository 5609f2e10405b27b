"""The data every reliability statistic reads: one evaluator's rating of one interaction.

Pure data types and the report rounding; no Flask, database or network.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from service.reliability import stats

KIND_HUMAN = "human"
KIND_AI = "ai"
REPORTED_FORMS = ("icc_1_1", "icc_2_1", "icc_2_k", "icc_3_1")  # the forms reports show


@dataclass(frozen=True)
class Answer:
    """One evaluator's answer to one question: the chosen option and its points."""

    answer: str
    points: float | None = None
    max_points: float | None = None

    @property
    def percent(self) -> float | None:
        """Points as a percentage of the question's maximum, or raw points when unknown.

        None for no points and for a maximum of 0 (an N/A question: 0 of 0 is no percentage).
        """
        if self.points is None or self.max_points == 0:
            return None
        if self.max_points:
            return 100.0 * self.points / self.max_points
        return self.points


@dataclass(frozen=True)
class Rating:
    """One evaluator's evaluation of one interaction in a session."""

    interaction_id: str
    evaluator_id: str
    total: float
    answers: Mapping[str, Answer] = field(default_factory=dict)
    kind: str = KIND_HUMAN


def by_interaction(ratings: Iterable[Rating]) -> dict[str, list[Rating]]:
    """The ratings grouped by ``interaction_id``, in the order they come."""
    grouped: dict[str, list[Rating]] = defaultdict(list)
    for rating in ratings:
        grouped[rating.interaction_id].append(rating)
    return dict(grouped)


def r4(value: float | None) -> float | None:
    """Round for reports (4 decimals); None stays None, NaN becomes None."""
    value = stats.finite(value)
    return None if value is None else round(value, 4)
