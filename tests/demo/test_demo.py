"""``qmloop demo`` runs the whole loop against the fake Genesys and tells the truth about it."""

from __future__ import annotations

from click.testing import CliRunner

from service.cli import main
from service.demo.run import per_reason, run


def test_demo_loop_end_to_end():
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
    assert report["jobs"] == {"done": decisions["assigned"] + decisions["agent_inactive"]}
    assert any("Chloe Tanaka" in line for line in lines)


def test_demo_command_prints_the_table():
    result = CliRunner().invoke(main, ["demo", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "assigned" in result.output and "Genesys API calls made" in result.output
