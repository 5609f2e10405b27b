"""Replay report rules with plain values: the period check, ISO weeks, rows per week, team and
agent, the difference of two policies, hours from minutes, and the three formats."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from service.replay import rules
from service.replay.simulate import Agent, Tally, iso_week

AGENTS = {
    "a1": Agent("a1", "Ana", "active", "m1", "Mia"),
    "a2": Agent("a2", "Ben", "inactive", "m1", "Mia"),
}


@pytest.mark.parametrize(
    ("start", "end", "ok"),
    [
        (date(2026, 1, 2), date(2026, 1, 1), False),  # one day before
        (date(2026, 1, 1), date(2026, 1, 1), True),  # a single day
        (date(2026, 1, 1), date(2026, 12, 31), True),  # 365 days
        (date(2024, 1, 1), date(2024, 12, 31), True),  # 366 days: the most
        (date(2024, 1, 1), date(2025, 1, 1), False),  # 367 days
    ],
)
def test_span_boundaries(start, end, ok):
    if ok:
        rules.check_span(start, end)
    else:
        with pytest.raises(ValueError):
            rules.check_span(start, end)


@pytest.mark.parametrize(
    ("at", "week"),
    [
        (datetime(2026, 11, 29, 23, 59, tzinfo=UTC), "2026-W48"),  # Sunday ends the week
        (datetime(2026, 11, 30, 0, 0, tzinfo=UTC), "2026-W49"),  # Monday starts the next
        (datetime(2026, 12, 31, 12, tzinfo=UTC), "2026-W53"),
        (datetime(2027, 1, 1, 12, tzinfo=UTC), "2026-W53"),  # ISO year, not calendar year
        (datetime(2027, 1, 4, 0, tzinfo=UTC), "2027-W01"),
    ],
)
def test_iso_weeks(at, week):
    assert iso_week(at) == week


def tally(counts: dict[tuple[str, str, str], int], modules=None) -> Tally:
    return Tally(Counter(counts), Counter(modules or {}))


FIRST = tally(
    {
        ("2026-W48", "a1", "assigned"): 2,
        ("2026-W48", "a1", "capped"): 1,
        ("2026-W48", "a2", "inactive"): 1,
        ("2026-W49", "a1", "sentiment_sessions"): 2,
        ("2026-W49", "a1", "appointment_minutes"): 90,
    },
    {("2026-W48", "a1", "Empathy", "mod-e"): 2},
)
SECOND = tally(
    {
        ("2026-W48", "a1", "assigned"): 3,
        ("2026-W48", "a2", "inactive"): 1,
        ("2026-W49", "a1", "kudos"): 1,
    },
    {("2026-W48", "a1", "Empathy", "mod-e"): 2, ("2026-W48", "a1", "Greeting", "mod-g"): 1},
)
SPAN = (date(2026, 11, 23), date(2026, 12, 6))


def test_two_policies_side_by_side_with_the_difference():
    report = rules.build([FIRST, SECOND], ["now", "next"], AGENTS, SPAN, {"evaluations": 5})
    assert report["policies"] == ["now", "next"]
    assert report["totals"]["assigned"] == {"values": [2, 3], "difference": 1}
    assert report["totals"]["capped"] == {"values": [1, 0], "difference": -1}
    assert report["totals"]["appointment_hours"] == {"values": [1.5, 0], "difference": -1.5}
    rows = [(r["week"], r["agent"], r["team"]) for r in report["rows"]]
    assert rows == [
        ("2026-W48", "Ana", "Mia"),
        ("2026-W48", "Ben", "Mia"),
        ("2026-W49", "Ana", "Mia"),
    ]
    assert report["rows"][0]["difference"]["assigned"] == 1
    modules = [(m["section"], m["values"], m["difference"]) for m in report["modules"]]
    assert modules == [("Empathy", [2, 2], 0), ("Greeting", [0, 1], 1)]
    assert [w["week"] for w in report["weeks"]] == ["2026-W48", "2026-W49"]
    assert report["weeks"][1]["values"]["appointment_hours"] == [1.5, 0]


def test_one_policy_has_no_difference_and_unknown_agents_have_no_team():
    report = rules.build([tally({("2026-W48", "gone", "assigned"): 1})], ["now"], {}, SPAN, {})
    assert report["totals"]["assigned"] == {"values": [1], "difference": None}
    row = report["rows"][0]
    assert (row["agent"], row["team"]) == ("gone", "(no manager)")


def test_csv_has_a_line_per_week_agent_metric_and_module():
    report = rules.build([FIRST, SECOND], ["now", "next"], AGENTS, SPAN, {})
    rows = list(csv.DictReader(io.StringIO(rules.to_csv(report))))
    assert list(rows[0]) == [
        "week", "team_id", "team", "agent_id", "agent", "metric", "section", "module",
        "module_name", "now", "next", "difference",
    ]  # fmt: skip
    line = next(r for r in rows if r["metric"] == "assigned" and not r["section"])
    assert (line["week"], line["agent"], line["now"], line["next"], line["difference"]) == (
        "2026-W48", "Ana", "2", "3", "1",
    )  # fmt: skip
    assert {(r["section"], r["module"]) for r in rows if r["section"]} == {
        ("Empathy", "mod-e"),
        ("Greeting", "mod-g"),
    }
    assert not any(r["metric"] == "duplicates" for r in rows)  # zero everywhere: left out


def test_module_names_show_where_known():
    report = rules.build([FIRST, SECOND], ["now", "next"], AGENTS, SPAN, {})
    rules.name_modules(report, {"mod-e": "Empathy Essentials"})
    assert [m["moduleName"] for m in report["modules"]] == ["Empathy Essentials", ""]
    assert "Empathy -> Empathy Essentials: 2" in rules.to_table(report)
    rows = list(csv.DictReader(io.StringIO(rules.to_csv(report))))
    assert {r["module_name"] for r in rows if r["section"]} == {"Empathy Essentials", ""}


def test_table_and_json():
    report = rules.build([FIRST, SECOND], ["now", "next"], AGENTS, SPAN, {})
    text = rules.to_table(report)
    assert "Policy replay 2026-11-23 to 2026-12-06: now vs next" in text
    assert "2->3 (+1)" in text and "Greeting -> mod-g: 0->1 (+1)" in text
    assert json.loads(rules.to_json(report)) == report
    single = rules.to_table(rules.build([FIRST], ["now"], AGENTS, SPAN, {}))
    assert "->" not in single.split("Assignments by")[0]


def test_week_labels_cover_empty_weeks():
    assert rules.week_labels(date(2026, 11, 23), date(2026, 12, 8)) == [
        "2026-W48",
        "2026-W49",
        "2026-W50",
    ]
