"""Each rule of issue 12 item 1 has one function, and every caller gives the same answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.calibration import service as calibration
from service.coaching import rules
from service.jobs import rules as job_rules
from service.scoring import rules as scoring_rules
from service.settings import DEFAULT_JOB_BACKOFF_SECONDS, EVIDENCE_THRESHOLD, Settings


@pytest.mark.parametrize(
    ("pct", "threshold", "below"),
    [(74.99, 75.0, True), (75.0, 75.0, False), (75.01, 75.0, False), (0.0, 0.0, False)],
)
def test_threshold_boundary(pct: float, threshold: float, below: bool) -> None:
    assert rules.below_threshold(pct, threshold) is below
    decision = rules.decide_percentage("FINISHED", pct, 10.0, threshold)
    assert decision.decision == ("coach" if below else "skip")
    assert decision.reason == ("below_threshold" if below else "meets_threshold")
    # The raw-score data action decides through the same function.
    assert rules.decide_score("FINISHED", pct, 100.0, threshold).below_threshold is below


@pytest.mark.parametrize(
    ("status", "possible", "reason"),
    [("INPROGRESS", 10.0, "not_final"), ("FINISHED", 0.0, "zero_total_points")],
)
def test_decision_before_the_threshold(status: str, possible: float, reason: str) -> None:
    decision = rules.decide_percentage(status, 10.0, possible, 75.0)
    assert (decision.decision, decision.reason, decision.eligible) == ("skip", reason, False)


@pytest.mark.parametrize(
    ("points", "possible", "expected"),
    [(1, 800, 0.13), (1, 3, 33.33), (2, 3, 66.67), (5, 8, 62.5), (0, 5, 0.0)],
)
def test_one_rounding_for_coaching_and_ai_scoring(
    points: float, possible: float, expected: float
) -> None:
    """Half-up to 2 decimals in both: 1 of 800 is 0.125 %, which Python's round() makes 0.12."""
    assert rules.percentage(points, possible) == expected
    item = scoring_rules.ItemScore("g1", points, possible, counted=True)
    assert scoring_rules.percentage([item], {"g1": 1.0}) == expected
    group = rules.GroupScore("g1", "G", points, possible, 1.0, 0)
    assert rules.overall_percentage([group])[0] == expected


def test_weighting_is_the_genesys_example_in_both() -> None:
    """help.mypurecloud.com ?p=144862: 1 of 2 at weight 40, 1 of 1 at weight 20 gives 60 %."""
    assert rules.weighted_totals([(1, 2, 40), (1, 1, 20)]) == (60.0, 100.0)
    groups = [rules.GroupScore("a", "", 1, 2, 40, 0), rules.GroupScore("b", "", 1, 1, 20, 1)]
    assert rules.overall_percentage(groups) == (60.0, 100.0)
    items = [scoring_rules.ItemScore("a", 1, 2, True), scoring_rules.ItemScore("b", 1, 1, True)]
    assert scoring_rules.percentage(items, {"a": 40, "b": 20}) == 60.0
    na = scoring_rules.ItemScore("b", 0, 1, counted=False)
    assert scoring_rules.percentage([items[0], na], {"a": 40, "b": 20}) == 50.0


@pytest.mark.parametrize(
    ("count", "limit", "reached"), [(2, 3, False), (3, 3, True), (9, 0, False)]
)
def test_cap_rule(count: int, limit: int, reached: bool) -> None:
    assert rules.limit_reached(count, limit) is reached
    now = datetime(2026, 3, 10, tzinfo=UTC)
    created = [now - timedelta(days=1)] * count + [now - timedelta(days=8)]
    assert rules.cap_reached(created, now, limit) is reached


def test_job_attempts_follow_the_retry_schedule() -> None:
    backoffs = Settings(database_url="sqlite://").job_backoffs
    assert len(backoffs) == len(DEFAULT_JOB_BACKOFF_SECONDS)
    assert job_rules.MAX_ATTEMPTS == len(backoffs) + 1 == 4
    assert job_rules.attempts_for([1.0]) == 2
    assert (
        job_rules.next_state(job_rules.MAX_ATTEMPTS - 1, job_rules.MAX_ATTEMPTS, False) == "queued"
    )
    assert job_rules.next_state(job_rules.MAX_ATTEMPTS, job_rules.MAX_ATTEMPTS, False) == "dead"


def test_evidence_threshold_is_the_setting_default() -> None:
    assert Settings(database_url="sqlite://").scoring_evidence_threshold == EVIDENCE_THRESHOLD


class _Score:
    def __init__(self, evaluator_id: str) -> None:
        self.evaluator_id = evaluator_id


def _state(revealed: bool) -> calibration.Progress:
    return calibration.Progress("complete" if revealed else "open", revealed, 2, 1, {}, None)


@pytest.mark.parametrize(
    ("viewer", "revealed", "shown"),
    [("", False, []), ("ann", False, ["ann"]), ("", True, ["ann", "bob"]), ("eve", False, [])],
)
def test_every_score_read_goes_through_one_gate(
    viewer: str, revealed: bool, shown: list[str]
) -> None:
    scores = [_Score("ann"), _Score("bob")]
    got, hidden = calibration.shown_scores(scores, _state(revealed), viewer)  # type: ignore[arg-type]
    assert [s.evaluator_id for s in got] == shown
    assert hidden == 2 - len(shown)
