"""The dispute state machine and its caps: boundary tables (round 5 vs 6, day 45 vs 46)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.disputes import rules

from .helpers import evaluation, form

R = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
L = rules.Limits(max_rounds=5, window_days=45)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("rounds", "reason"),
    [(0, ""), (3, ""), (4, ""), (5, rules.ROUND_CAP), (6, rules.ROUND_CAP)],
)
def test_round_cap_allows_a_fifth_round_never_a_sixth(rounds, reason):
    # ``rounds`` already opened: the next one is rounds + 1 (5 allowed, 6 refused).
    assert rules.refuse_dispute(rules.PENDING_AGENT, rounds, R, R, L) == reason


@pytest.mark.parametrize(
    ("elapsed", "reason"),
    [
        (timedelta(days=44), ""),
        (timedelta(days=45) - SECOND, ""),
        (timedelta(days=45), ""),
        (timedelta(days=45) + SECOND, rules.WINDOW),
        (timedelta(days=46), rules.WINDOW),
    ],
)
def test_window_includes_day_45_not_day_46(elapsed, reason):
    assert rules.refuse_dispute(rules.PENDING_AGENT, 0, R, R + elapsed, L) == reason


@pytest.mark.parametrize("status", [rules.PENDING_SUPERVISOR, rules.RESOLVED, rules.CLOSED])
def test_only_a_review_waiting_for_the_agent_can_be_disputed_or_accepted(status):
    assert rules.refuse_dispute(status, 0, R, R, L) == "not_pending_agent_review"
    assert rules.refuse_accept(status) == "not_pending_agent_review"
    assert rules.refuse_accept(rules.PENDING_AGENT) == ""


@pytest.mark.parametrize(
    ("rounds", "elapsed", "want"),
    [
        (1, timedelta(0), (rules.PENDING_AGENT, "")),
        (4, timedelta(days=45), (rules.PENDING_AGENT, "")),
        (5, timedelta(0), (rules.CLOSED, rules.ROUND_CAP)),
        (6, timedelta(0), (rules.CLOSED, rules.ROUND_CAP)),
        (2, timedelta(days=45) + SECOND, (rules.CLOSED, rules.WINDOW)),
        (2, timedelta(days=46), (rules.CLOSED, rules.WINDOW)),
    ],
)
def test_after_a_round_back_to_the_agent_or_closed(rounds, elapsed, want):
    assert rules.after_round(rounds, R, R + elapsed, L) == want


@pytest.mark.parametrize(
    ("status", "elapsed", "want"),
    [
        (rules.PENDING_AGENT, timedelta(days=45), rules.PENDING_AGENT),
        (rules.PENDING_AGENT, timedelta(days=45) + SECOND, rules.CLOSED),
        (rules.PENDING_SUPERVISOR, timedelta(days=90), rules.PENDING_SUPERVISOR),
        (rules.RESOLVED, timedelta(days=90), rules.RESOLVED),
    ],
)
def test_a_review_left_waiting_for_the_agent_closes_with_the_window(status, elapsed, want):
    assert rules.effective(status, R, R + elapsed, L)[0] == want


def test_custom_limits_move_the_boundaries():
    tight = rules.Limits(max_rounds=1, window_days=1)
    assert rules.refuse_dispute(rules.PENDING_AGENT, 0, R, R + timedelta(days=1), tight) == ""
    assert rules.refuse_dispute(rules.PENDING_AGENT, 1, R, R, tight) == rules.ROUND_CAP
    assert rules.after_round(1, R, R, tight) == (rules.CLOSED, rules.ROUND_CAP)


@pytest.mark.parametrize(
    ("status", "rounds", "tabs"),
    [
        (rules.PENDING_AGENT, 0, {"pending"}),
        (rules.PENDING_SUPERVISOR, 1, {"pending", "disputes"}),
        (rules.PENDING_AGENT, 2, {"pending", "disputes"}),
        (rules.RESOLVED, 0, {"resolved"}),
        (rules.CLOSED, 5, {"resolved", "disputes"}),
    ],
)
def test_tabs(status, rounds, tabs):
    assert {t for t in rules.TABS if rules.in_tab(t, status, rounds)} == tabs


@pytest.mark.parametrize(
    ("statuses", "want"),
    [
        ([], ""),
        ([rules.RESOLVED, rules.CLOSED], ""),
        ([rules.PENDING_SUPERVISOR, rules.RESOLVED], "Pending Supervisor Review"),
        ([rules.PENDING_SUPERVISOR, rules.PENDING_AGENT], "Pending Agent Review"),
    ],
)
def test_coaching_session_review_status(statuses, want):
    assert rules.coaching_review_status(statuses) == want


def test_completed_rounds_do_not_count_the_open_one():
    assert rules.completed_rounds(rules.PENDING_SUPERVISOR, 1) == 0
    assert rules.completed_rounds(rules.PENDING_AGENT, 1) == 1
    assert rules.completed_rounds(rules.CLOSED, 5) == 5


def test_question_table_lists_every_question_with_answer_and_options():
    table = rules.question_table(evaluation(), form())
    assert [q["questionId"] for q in table] == ["q1", "q2", "q3"]
    assert table[1]["answerId"] == "q2-no" and table[1]["answerText"] == "No"
    assert [o["id"] for o in table[1]["options"]] == ["q2-yes", "q2-no"]


@pytest.mark.parametrize(
    ("decision", "answer", "reason"),
    [
        ("uphold", "", ""),
        ("uphold", "q2-no", ""),
        ("uphold", "q2-yes", "uphold_with_answer"),
        ("change", "q2-yes", ""),
        ("change", "q2-no", "answer_unchanged"),
        ("change", "q1-yes", "answer_not_an_option"),
        ("change", "", "answer_not_an_option"),
    ],
)
def test_a_changed_answer_is_another_option_of_that_question(decision, answer, reason):
    question = rules.question_table(evaluation(), form())[1]
    assert rules.refuse_change(question, decision, answer) == reason


def test_apply_changes_sets_answer_and_score_and_keeps_the_rest():
    ev = evaluation()
    table = rules.question_table(ev, form())
    out = rules.apply_changes(ev["answers"], {"q2": "q2-yes"}, table)
    scores = {q["questionId"]: q for q in out["questionGroupScores"][0]["questionScores"]}
    assert scores["q2"]["answerId"] == "q2-yes" and scores["q2"]["score"] == 1
    assert scores["q3"]["answerId"] == "q3-no"
    assert ev["answers"]["questionGroupScores"][0]["questionScores"][1]["answerId"] == "q2-no"
    assert rules.changes_applied(out, {"q2": "q2-yes"})
    assert not rules.changes_applied(ev["answers"], {"q2": "q2-yes"})
