"""Pure rules of a coaching session's change history (service.workspace.rules)."""

from __future__ import annotations

from datetime import date

import pytest

from service.workspace.rules import Change, describe_change, plan_changes

BEFORE = {"feedback": "abc", "action_plan": "", "status": "assigned", "follow_up_on": None}


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ({}, []),  # nothing submitted: nothing changed
        ({"feedback": "abc", "action_plan": ""}, []),  # the same text again
        ({"feedback": "abd"}, [Change("feedback", old_length=3, new_length=3)]),  # same length
        ({"feedback": ""}, [Change("feedback", old_length=3, new_length=0)]),  # cleared
        ({"action_plan": "x"}, [Change("action_plan", old_length=0, new_length=1)]),
        ({"status": "assigned"}, []),
        ({"status": "in_progress"}, [Change("status", "assigned", "in_progress")]),
        ({"follow_up_on": None}, []),  # none before, none after
        (
            {"follow_up_on": date(2026, 4, 1)},
            [Change("follow_up_on", "", "2026-04-01")],
        ),
        (  # several at once, in the page's order whatever the form's
            {"status": "completed", "feedback": "x", "action_plan": "y"},
            [
                Change("feedback", old_length=3, new_length=1),
                Change("action_plan", old_length=0, new_length=1),
                Change("status", "assigned", "completed"),
            ],
        ),
    ],
)
def test_plan_changes(after, expected):
    assert plan_changes(BEFORE, after) == expected


def test_a_follow_up_date_moved_and_cleared():
    before = {"follow_up_on": date(2026, 4, 1)}
    moved = plan_changes(before, {"follow_up_on": date(2026, 4, 2)})
    assert moved == [Change("follow_up_on", "2026-04-01", "2026-04-02")]
    assert plan_changes(before, {"follow_up_on": None}) == [
        Change("follow_up_on", "2026-04-01", "")
    ]


def test_text_never_reaches_a_change():
    secret = "The customer's card ends 4242"
    changes = plan_changes({"feedback": ""}, {"feedback": secret, "action_plan": secret})
    assert all(secret not in repr(c.old_value) + repr(c.new_value) for c in changes)
    assert [c.new_length for c in changes] == [len(secret), len(secret)]


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (Change("feedback", old_length=0, new_length=12), "Feedback changed (0 → 12 characters)"),
        (Change("status", "assigned", "completed"), "Status: Assigned → Completed"),
        (Change("follow_up_on", "", "2026-04-01"), "Follow-up date: — → 2026-04-01"),
        (Change("follow_up_on", "2026-04-01", ""), "Follow-up date: 2026-04-01 → —"),
        (Change("interaction", new_value="row-1"), "Interaction marked for coaching added"),
        (Change("example", new_value="row-2"), "Best response example added"),
    ],
)
def test_describe_change(change, line):
    assert describe_change(change) == line
