"""Boundary tables for every coaching rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from service.coaching import rules

from .memory_genesys import make_evaluation, make_form


@pytest.mark.parametrize(
    ("status", "final"),
    [
        ("FINISHED", True),
        ("Finished", True),
        ("finished", True),
        ("approved", True),
        ("APPROVED", True),
        ("published", True),
        (" Published ", True),
        ("PENDING", False),
        ("InProgress", False),
        ("INREVIEW", False),
        ("Retracted", False),
        ("draft", False),
        ("", False),
    ],
)
def test_status_table(status, final):
    assert rules.is_final(status) is final
    decision = rules.decide_score(status, 10, 100, 75)
    assert (decision.reason == "not_final") is (not final)


@pytest.mark.parametrize(
    ("score", "total", "decision", "reason", "below"),
    [
        (74.99, 100, "coach", "below_threshold", True),
        (75, 100, "skip", "meets_threshold", False),
        (75.01, 100, "skip", "meets_threshold", False),
        (37.5, 50, "skip", "meets_threshold", False),  # 75 % on a 50-point form
        (37, 50, "coach", "below_threshold", True),  # 74 %
        (40, 50, "skip", "meets_threshold", False),  # the seed's trap: 40/50 is 80 %, not 40
        (0, 100, "coach", "below_threshold", True),
    ],
)
def test_threshold_boundaries(score, total, decision, reason, below):
    result = rules.decide_score("FINISHED", score, total, 75)
    assert (result.decision, result.reason, result.below_threshold) == (decision, reason, below)
    assert result.eligible


def test_zero_total_points_skips_with_zero_percentage():
    result = rules.decide_score("FINISHED", 0, 0, 75)
    assert (result.decision, result.reason, result.percentage, result.eligible) == (
        "skip",
        "zero_total_points",
        0.0,
        False,
    )


@pytest.mark.parametrize(
    ("score", "total", "pct"),
    [(1, 3, 33.33), (2, 3, 66.67), (74.995, 100, 75.0), (74.994, 100, 74.99), (7, 7, 100.0)],
)
def test_percentage_rounds_half_up_to_two_decimals(score, total, pct):
    assert rules.percentage(score, total) == pct


def test_help_center_weighting_example_is_60_percent():
    form = make_form([("g1", "Greeting", 40), ("g2", "Resolution", 20)])
    ev = make_evaluation("e", [("g1", 1, 2), ("g2", 1, 1)])
    groups = rules.group_scores(ev, form)
    assert rules.overall_percentage(groups)[0] == 60.0
    # Unweighted it would be 66.67: the weights matter.
    assert rules.percentage(2, 3) == 66.67


def test_weighted_pair_used_when_unweighted_missing():
    ev = {
        "answers": {
            "questionGroupScores": [
                {"questionGroupId": "g1", "totalScore": 40, "maxTotalScore": 80},
            ]
        }
    }
    (group,) = rules.group_scores(ev, make_form([("g1", "A", 40)]))
    assert group.percentage == 50.0


def test_na_and_empty_groups_are_left_out():
    form = make_form([("g1", "A", 1), ("g2", "B", 1), ("g3", "C", 1)])
    ev = make_evaluation("e", [("g1", 1, 2), ("g2", 0, 5), ("g3", 0, 0)], na=("g2",))
    groups = rules.group_scores(ev, form)
    assert [g.id for g in groups] == ["g1"]
    assert rules.overall_percentage(groups) == (50.0, 2.0)


def test_all_groups_na_means_zero_possible():
    ev = make_evaluation("e", [("g1", 0, 2)], na=("g1",))
    assert rules.overall_percentage(rules.group_scores(ev, None)) == (0.0, 0)


def test_weight_mode_off_ignores_weights():
    form = make_form([("g1", "A", 40), ("g2", "B", 20)])
    form["weightMode"] = "OFF"
    groups = rules.group_scores(make_evaluation("e", [("g1", 1, 2), ("g2", 1, 1)]), form)
    assert rules.overall_percentage(groups)[0] == 66.67


@pytest.mark.parametrize(
    ("groups", "scores", "weakest"),
    [
        # Clear minimum.
        ([("a", "A", 1), ("b", "B", 1)], [("a", 3, 4), ("b", 1, 4)], "b"),
        # Tie on percentage: the higher weight wins.
        ([("a", "A", 10), ("b", "B", 30)], [("a", 1, 2), ("b", 2, 4)], "b"),
        # Tie on percentage and weight: form order wins.
        ([("a", "A", 10), ("b", "B", 10)], [("b", 1, 2), ("a", 2, 4)], "a"),
        # N/A groups never win even at 0 points.
        ([("a", "A", 1), ("b", "B", 1)], [("a", 3, 4), ("b", 0, 0)], "a"),
    ],
)
def test_weakest_section_and_ties(groups, scores, weakest):
    ev = make_evaluation("e", scores)
    found = rules.weakest(rules.group_scores(ev, make_form(groups)))
    assert found is not None and found.id == weakest


def test_weakest_of_nothing_is_none():
    assert rules.weakest([]) is None


def test_simple_sections_shape():
    sections = [
        {"id": "s1", "name": "Empathy", "score": 2, "totalPoints": 10},
        {"id": "s2", "name": "Compliance", "score": 9, "totalPoints": 10},
        {"id": "s3", "name": "Empty", "score": 0, "totalPoints": 0},
    ]
    groups = rules.simple_sections(sections)
    assert [g.id for g in groups] == ["s1", "s2"]
    assert rules.weakest(groups).name == "Empathy"


@pytest.mark.parametrize(
    ("start", "days", "holidays", "due"),
    [
        (date(2026, 11, 16), 5, (), date(2026, 11, 23)),  # Monday + 5 = next Monday
        (date(2026, 11, 20), 1, (), date(2026, 11, 23)),  # Friday + 1 = Monday
        (date(2026, 11, 20), 5, (), date(2026, 11, 27)),  # Friday + 5 = next Friday
        (date(2026, 11, 21), 1, (), date(2026, 11, 23)),  # Saturday + 1 = Monday
        (date(2026, 11, 22), 5, (), date(2026, 11, 27)),  # Sunday + 5 = Friday
        (date(2026, 12, 21), 5, (date(2026, 12, 25),), date(2026, 12, 29)),  # Christmas skipped
        (date(2026, 12, 24), 1, (date(2026, 12, 25),), date(2026, 12, 28)),  # holiday+weekend
        (date(2026, 11, 18), 0, (), date(2026, 11, 18)),  # 0 days on a Wednesday
        (date(2026, 11, 21), 0, (), date(2026, 11, 23)),  # 0 days on a Saturday rolls forward
    ],
)
def test_business_days(start, days, holidays, due):
    assert rules.add_business_days(start, days, holidays) == due


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20", date(2026, 11, 20)),
        ("2026-11-20T23:30:00Z", date(2026, 11, 20)),
        ("2026-11-20T23:30:00.000+00:00", date(2026, 11, 20)),
        ("", None),
        ("yesterday", None),
        ("2026-13-01", None),
    ],
)
def test_parse_date(text, expected):
    assert rules.parse_date(text) == expected


NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("count", "cap", "reached"),
    [(2, 3, False), (3, 3, True), (4, 3, True), (0, 0, False), (50, 0, False), (0, 1, False)],
)
def test_cap_within_window(count, cap, reached):
    created = [NOW - timedelta(days=1)] * count
    assert rules.cap_reached(created, NOW, cap) is reached


@pytest.mark.parametrize(
    ("age", "counts"),
    [
        (timedelta(days=7) - timedelta(seconds=1), True),
        (timedelta(days=7), False),
        (timedelta(days=7) + timedelta(seconds=1), False),
        (timedelta(0), True),
    ],
)
def test_cap_window_edges(age, counts):
    created = [NOW - age] * 3
    assert rules.cap_reached(created, NOW, 3) is counts


def test_section_key_and_matching():
    assert rules.section_key("g-123", " Customer   Empathy ") == "customer empathy"
    assert rules.section_key("G-123") == "g-123"
    mapping = {"g-1": "by-id", "customer empathy": "by-name"}
    assert rules.match_section(mapping, "g-1", "Customer Empathy") == ("g-1", "by-id")
    assert rules.match_section(mapping, "g-9", "CUSTOMER EMPATHY") == (
        "customer empathy",
        "by-name",
    )
    assert rules.match_section(mapping, "g-9", "") is None


def test_event_version_changes_with_status_and_disputes():
    a = rules.event_version({"status": "Finished", "disputeCount": 0})
    b = rules.event_version({"status": "FINISHED", "disputeCount": 0})
    c = rules.event_version({"status": "Finished", "disputeCount": 1})
    assert a == b and a != c


@pytest.mark.parametrize(
    ("target", "kwargs", "why"),
    [
        ("local", {}, ""),
        ("genesys_workitem", {"genesys": False}, "genesys_not_configured"),
        ("genesys_workitem", {"workitem_type_id": ""}, "no_workitem_type"),
        ("genesys_learning", {"module_id": ""}, "no_module_mapped"),
        ("genesys_learning", {}, ""),
        ("lms_webhook", {"lms_configured": False}, "lms_webhook_not_configured"),
        ("lms_webhook", {"genesys": False}, ""),
    ],
)
def test_target_fallback(target, kwargs, why):
    base = {"genesys": True, "module_id": "m", "workitem_type_id": "t", "lms_configured": True}
    assert rules.target_fallback(target, **{**base, **kwargs}) == why


def test_lms_signature_roundtrip_and_replay():
    body = b'{"evaluationId":"e1"}'
    header = rules.lms_signature("k", 1_000_000, body)
    assert header.startswith("t=1000000,v1=")
    assert rules.verify_lms_signature("k", header, body, now=1_000_100)
    assert not rules.verify_lms_signature("k", header, body + b" ", now=1_000_100)
    assert not rules.verify_lms_signature("other", header, body, now=1_000_100)
    assert not rules.verify_lms_signature("k", header, body, now=1_000_301)  # replay
    assert not rules.verify_lms_signature("k", "garbage", body, now=1_000_000)


def test_cap_counts_assignments_stamped_after_now():
    # A concurrent request read its clock later than ours and committed first.
    assert rules.cap_reached([NOW + timedelta(milliseconds=5)] * 3, NOW, 3)


def test_failed_kill_question_zeroes_the_overall():
    ev = make_evaluation("e", [("g1", 2, 2)])
    groups = rules.group_scores(ev, None)
    assert rules.evaluation_percentage(ev, groups) == 100.0
    ev["answers"]["anyFailedKillQuestions"] = True
    assert rules.evaluation_percentage(ev, groups) == 0.0


@pytest.mark.parametrize(
    ("open_count", "limit", "reached"),
    [(1, 2, False), (2, 2, True), (3, 2, True), (99, 0, False)],
)
def test_open_limit(open_count, limit, reached):
    assert rules.open_limit_reached(open_count, limit) is reached
