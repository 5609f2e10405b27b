"""``qmloop demo`` runs the whole loop against the fake Genesys and tells the story in words."""

from __future__ import annotations

import re
import tempfile

from click.testing import CliRunner

from service.cli import main
from service.demo.run import SECTIONS, per_reason, run


def test_demo_loop_end_to_end(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    lines: list[str] = []
    report = run(seed=1, echo=lines.append)
    decisions = report["decisions"]
    reasons = per_reason(report["rows"])
    # Every triage call got an answer, and the sample org exercises each outcome.
    assert report["triaged"] == sum(decisions.values())
    assert decisions["assigned"] >= 1 and decisions["duplicate"] == decisions["assigned"]
    assert decisions["agent_inactive"] >= 1 and decisions["rate_limited"] >= 1
    assert reasons["not_final"] >= 1 and reasons["zero_total_points"] >= 1
    assert reasons["meets_threshold"] >= 1
    # Exactly one learning assignment per assigned evaluation, one archive task per inactive one.
    assert report["learningAssignments"] == decisions["assigned"]
    assert report["workitems"] == decisions["agent_inactive"]
    # ... plus one insights snapshot per finished evaluation (docs/insights.md)
    unscored = ("not_final", "evaluation_retracted", "evaluation_already_assigned")
    snapshots = sum(1 for r in report["rows"] if r["reason"] not in unscored)
    assert report["jobs"] == {
        "done": decisions["assigned"] + decisions["agent_inactive"] + snapshots
    }
    assert any("Chloe Tanaka" in line for line in lines)
    # The temporary database is gone.
    assert list(tmp_path.iterdir()) == []


def test_demo_command_tells_policy_agents_and_next_steps():
    result = CliRunner().invoke(main, ["demo", "--seed", "1"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    out = result.output
    flat = " ".join(out.split())  # phrases may wrap across lines
    # The policy, with the cap explained in words.
    assert "below 75 %" in flat and "at most 1 coaching assignment per agent in 7 days" in flat
    assert "the demo uses 1 so the cap shows" in flat
    # Per agent: percentage, weakest section, module, target and due date of the coached one.
    coached = re.search(r"(\d+\.\d) % COACHED: weakest section (.+?); module '(.+?)'", flat)
    assert coached is not None
    assert re.search(r"as a Genesys learning assignment, due \d{4}-\d{2}-\d{2}", flat)
    assert "CAPPED: the agent already got 1 assignment this week (weekly cap)" in flat
    assert "not coached: the evaluation is not finished yet" in flat
    # The sentiment section: coached (and in which slot, why), capped, kudos, customer-only.
    sentiment = flat[flat.index("Sentiment coaching: a scripted week") :]
    for expected in (
        "-> coach pattern_of_negative_sentiment",
        "-> capped sentiment_weekly_cap_reached",
        "-> kudos highly_positive_customer",
        "Genesys suggestion: Good",
        "computed from WFM: lowest predicted occupancy",
        "customer criterion only third negative-customer interaction, calm agent -> coach",
    ):
        assert expected in sentiment, expected
    assert sentiment.index("Sentiment coaching") < sentiment.index("qmloop serve")
    # No Python reprs, no log noise, and where to go next.
    assert not re.search(r"[{}]|Counter\(|INFO|WARNING|\d+\.\d+\.\d+\.\d+ - -", out)
    assert out.rstrip().splitlines()[-4].strip().startswith("qmloop serve")
    assert max(len(line) for line in out.splitlines()) <= 100


def test_a_capability_adds_its_own_section():
    seen: list[str] = []

    def sentiment(demo):
        demo.echo(f"sentiment section sees {demo.report['triaged']} triage calls")

    run(seed=1, echo=seen.append, sections=[*SECTIONS[:-1], sentiment, SECTIONS[-1]])
    assert any(line.startswith("sentiment section sees") for line in seen)
