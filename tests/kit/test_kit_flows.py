"""Workflow YAML: Archy shape, every callData wired to a real action, placeholders all filled."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from service.kit import terraform
from service.kit.flows import check_event_input, check_flow, placeholders, substitute
from tests.kit.kit_helpers import ROOT, all_actions

FLOWS = sorted((ROOT / "architect").glob("*.yaml"))
CONFIG = terraform.load(ROOT)
SUBS = terraform.flow_substitutions(CONFIG)
ACTIONS = {a.slug: a for a in all_actions()}


def test_there_is_a_triage_workflow() -> None:
    assert "triage-evaluation.yaml" in {p.name for p in FLOWS}


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name)
def test_flow_passes_every_check(path: Path) -> None:
    assert check_flow(path, SUBS[path.name], ACTIONS) == []


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name)
def test_substitution_leaves_no_placeholder(path: Path) -> None:
    text = substitute(path.read_text(), {k: "x" for k in SUBS[path.name]})
    assert placeholders(text) == set()
    assert yaml.safe_load(text)["workflow"]["name"] == "x"


def test_every_action_is_called_by_a_workflow_or_documented_for_flow_authors() -> None:
    called = {slug for subs in SUBS.values() for slug in subs.values()}
    readme = (ROOT / "architect" / "README.md").read_text()
    undocumented = [s for s in sorted(set(ACTIONS) - called) if f"`{s}`" not in readme]
    assert undocumented == [], f"call these from a workflow or document them: {undocumented}"


def test_triage_flow_reads_the_event_and_retries() -> None:
    text = (ROOT / "architect" / "triage-evaluation.yaml").read_text()
    doc = yaml.safe_load(text)["workflow"]
    inputs = [v for block in doc["variables"] for v in block.values() if v.get("isInput")]
    assert [v["name"] for v in inputs] == ["Flow.jsonData"]
    for field in ('"id"', '"conversationId"', '"status"'):
        assert f"GetJsonObjectProperty(Flow.jsonData, {field})" in text
    assert "{{retry_attempts}}" in text and "{{retry_wait_seconds}}" in text
    assert "wait:" in text and "exitReason" in text


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "triage-evaluation.yaml"
    shutil.copy(ROOT / "architect" / "triage-evaluation.yaml", path)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "                timeout:\n                  actions:\n",
            "                later:\n                  actions:\n",
            "no timeout branch",
        ),
        (
            " " * 24 + "evaluationId:\n" + " " * 26 + "exp: Flow.evaluationId\n",
            "",
            "required input 'evaluationId'",
        ),
        (
            "                        percentage:\n                          noValue: true\n",
            "                        percent:\n                          noValue: true\n",
            "'percent' is not in triage-evaluation",
        ),
        ("userParams.key:", "userParams.kee:", "not a data action failure output"),
        ("{{triage_action_name}}", "{{ triage_action_name }}", "has spaces"),
        ("{{retry_wait_seconds}}", "{{retry_wait}}", "not in the Terraform substitutions"),
        (
            'state[Retry_30]"\n                timeout',
            'state[Nowhere]"\n                timeout',
            "does not name a state",
        ),
        (
            "exp: Flow.conversationId\n                        status:",
            "exp: Flow.conversationID\n                        status:",
            "Flow.conversationID",
        ),
        (
            'exp: "Flow.attempt + 1"',
            'exp: "Flow.attempt + 1"\n                - decimal:\n'
            "                    variable: Flow.percentage\n                    value:\n"
            "                      lit: 1",
            "Flow.percentage is used but not declared",
        ),
        (
            "  states:\n",
            "  states:\n    - state:\n        name: Read evaluation event\n"
            "        refId: Dup_1\n        actions: []\n",
            "state names must be unique",
        ),
    ],
)
def test_a_broken_flow_is_caught(tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = _broken(tmp_path, old, new)
    problems = check_flow(path, SUBS["triage-evaluation.yaml"], ACTIONS)
    assert any(expected in p for p in problems), problems


def test_a_leftover_substitution_is_caught() -> None:
    subs = {**SUBS["triage-evaluation.yaml"], "unused_key": "x"}
    problems = check_flow(ROOT / "architect" / "triage-evaluation.yaml", subs, ACTIONS)
    assert problems == ["substitution 'unused_key' is never used in the flow"]


def test_a_threshold_literal_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "coach-step-by-step.yaml"
    text = (ROOT / "architect" / "coach-step-by-step.yaml").read_text()
    path.write_text(
        text.replace(
            "threshold:\n                          noValue: true",
            "threshold:\n                          lit: 80",
            1,
        )
    )
    problems = check_flow(path, SUBS["coach-step-by-step.yaml"], ACTIONS)
    assert any("'threshold' is a literal" in p for p in problems), problems


def test_an_unknown_action_name_is_caught() -> None:
    subs = {**SUBS["triage-evaluation.yaml"], "triage_action_name": "no-such-action"}
    problems = check_flow(ROOT / "architect" / "triage-evaluation.yaml", subs, ACTIONS)
    assert any("does not name a data action file" in p for p in problems)


def test_trigger_started_flows_declare_the_event_input(tmp_path: Path) -> None:
    for path in FLOWS:
        assert check_event_input(path) == []
    broken = _broken(tmp_path, "        isInput: true\n", "        isInput: false\n")
    assert check_event_input(broken) == [
        "started by the Json trigger: declare Flow.jsonData as a jsonVariable input"
    ]


def test_a_category_other_than_the_actions_is_caught() -> None:
    category = terraform.action_category(CONFIG)
    path = ROOT / "architect" / "triage-evaluation.yaml"
    assert check_flow(path, SUBS[path.name], ACTIONS, category) == []
    subs = {**SUBS[path.name], "data_action_category": "${var.name_prefix}"}
    problems = check_flow(path, subs, ACTIONS, category)
    assert any("category must be" in p for p in problems), problems
