"""When a session is revealed, and whose scores a viewer may see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.calibration import reveal

DEADLINE = datetime(2026, 3, 31, 17, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("now", "closed", "expected", "submitted", "status"),
    [
        (DEADLINE - SECOND, None, 0, 0, "empty"),
        (DEADLINE + SECOND, None, 0, 0, "empty"),
        (DEADLINE - SECOND, None, 6, 5, "open"),
        (DEADLINE - SECOND, None, 6, 6, "complete"),
        (DEADLINE, None, 6, 5, "expired"),  # the deadline itself reveals
        (DEADLINE + SECOND, None, 6, 5, "expired"),
        (DEADLINE - SECOND, DEADLINE - 2 * SECOND, 6, 5, "closed"),
        (DEADLINE + SECOND, None, 6, 6, "complete"),
    ],
)
def test_session_status(now, closed, expected, submitted, status):
    got = reveal.session_status(
        now=now, deadline=DEADLINE, closed_at=closed, expected=expected, submitted=submitted
    )
    assert got == status
    assert (got in reveal.REVEALED) is (status in ("complete", "expired", "closed"))


@pytest.mark.parametrize(
    ("viewer", "evaluator", "revealed", "visible"),
    [
        ("alice", "alice", False, True),
        ("alice", "bob", False, False),
        ("", "", False, False),  # a client without a user id sees nothing before the reveal
        ("", "bob", True, True),
        ("alice", "bob", True, True),
    ],
)
def test_may_see_score(viewer, evaluator, revealed, visible):
    assert (
        reveal.may_see_score(viewer_id=viewer, evaluator_id=evaluator, revealed=revealed) is visible
    )


def test_naive_datetimes_are_utc():
    assert reveal.aware(datetime(2026, 1, 1)) == datetime(2026, 1, 1, tzinfo=UTC)
