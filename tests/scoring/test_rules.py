"""Pure rules: policy boundaries, keys, validation, totals, rounding, truncation, kappa."""

from __future__ import annotations

import pytest

from service.scoring import rules
from service.scoring.rules import ItemScore, Policy
from tests.scoring.conftest import plain

POLICY = Policy(
    min_duration_seconds=30,
    min_turns=4,
    asr_floor=0.6,
    excluded_queues=("QA Test",),
    test_wrapup_codes=("TEST",),
)


@pytest.mark.parametrize(
    ("duration", "reason"), [(29.99, "too_short"), (30.0, ""), (30.01, ""), (None, "")]
)
def test_duration_boundary(duration, reason):
    assert rules.exclusion_reason(POLICY, duration_seconds=duration) == reason


def test_exclusions():
    assert rules.exclusion_reason(POLICY, queues=("", "qa test")) == "internal_test_call"
    assert rules.exclusion_reason(POLICY, wrapup_code="test") == "internal_test_call"
    assert rules.exclusion_reason(POLICY, abandoned=True) == "abandoned"
    assert rules.exclusion_reason(POLICY, queues=("Sales", "q-1")) == ""


@pytest.mark.parametrize(("n", "reason"), [(3, "too_short"), (4, ""), (5, "")])
def test_min_turns_boundary(n, reason):
    turns = [("agent" if i % 2 == 0 else "customer", "hello") for i in range(n)]
    assert rules.transcript_exclusion(POLICY, plain(*turns)) == reason


def test_no_agent_turn_means_no_agent_speech():
    t = plain(*[("customer", "hello?")] * 6)
    assert rules.transcript_exclusion(POLICY, t) == "no_agent_speech"


@pytest.mark.parametrize(("conf", "low"), [(0.59, True), (0.6, False), (0.61, False)])
def test_asr_floor_boundary(conf, low):
    from service.transcripts.rules import parse_document

    doc = {"mediaType": "call", "turns": [{"speaker": "agent", "text": "hi", "confidence": conf}]}
    assert rules.low_confidence(POLICY, parse_document(doc)) is low
    doc["mediaType"] = "chat"
    assert rules.low_confidence(POLICY, parse_document(doc)) is False


def test_keys_are_stable_and_distinct():
    k = rules.idempotency_key("c", "m", "card", "v1")
    assert k == rules.idempotency_key("c", "m", "card", "v1")
    assert k != rules.idempotency_key("c", "m", "card", "v2")
    assert rules.evaluation_key("c", "a", "f1") != rules.evaluation_key("c", "a", "f2")


def test_genesys_weighting_example():
    # help-center example: group 1 weight 40, 1 of 2; group 2 weight 20, 1 of 1 -> 60 %
    items = [
        ItemScore("g1", 1, 1, True),
        ItemScore("g1", 0, 1, True),
        ItemScore("g2", 1, 1, True),
        ItemScore("g2", 0, 5, False),  # N/A counts 0 of 0
    ]
    assert rules.percentage(items, {"g1": 40, "g2": 20}) == 60.0
    assert rules.percentage(items, {"g1": 40, "g2": 20}, weighted=False) == pytest.approx(66.67)
    killed = [*items, ItemScore("g2", 0, 1, True, kill_failed=True)]
    assert rules.percentage(killed, {"g1": 40, "g2": 20}) == 0.0
    assert rules.percentage([], {}) is None  # nothing scorable is no score, not 0 %


@pytest.mark.parametrize(("value", "points"), [(4.2, 4), (4.999, 4), (5.0, 5), (0.0, 0), (1, 1)])
def test_floor_points(value, points):
    assert rules.floor_points(value) == points


@pytest.mark.parametrize(("n", "cut"), [(479, False), (480, False), (481, True)])
def test_truncate_boundary(n, cut):
    text = ("word " * 200)[:n].strip() if n < 1000 else ""
    text = "x" * n
    out = rules.truncate(text, 480)
    assert len(out) <= 480 and out.endswith("…") is cut


def test_validate_answer_contract():
    schema = {
        "type": "object",
        "properties": {
            "q": {
                "type": "object",
                "properties": {
                    "answer": {"enum": ["Yes", "No"]},
                    "evidence": {"type": "array"},
                    "rationale": {"type": "string"},
                },
                "required": ["answer", "evidence", "rationale"],
            }
        },
        "required": ["q"],
        "additionalProperties": False,
    }
    ok = {"q": {"answer": "Yes", "evidence": [{"turn": 1, "quote": "x"}], "rationale": ""}}
    assert rules.validate_answer(ok, schema, {"q": "No"}, 2) == []
    assert (
        "turn 2 does not exist"
        in rules.validate_answer(
            {"q": {**ok["q"], "evidence": [{"turn": 2, "quote": "x"}]}}, schema, {"q": "No"}, 2
        )[0]
    )
    assert (
        "needs at least one evidence"
        in rules.validate_answer({"q": {**ok["q"], "evidence": []}}, schema, {"q": "No"}, 2)[0]
    )
    assert (
        rules.validate_answer(
            {"q": {**ok["q"], "answer": "No", "evidence": []}}, schema, {"q": "No"}, 2
        )
        == []
    )


def test_parse_and_refusal_detection():
    assert rules.parse_answer('```json\n{"a": 1}\n```') == ({"a": 1}, "")
    assert rules.parse_answer("{nope")[1].startswith("the answer is not valid JSON")
    assert rules.looks_like_refusal("I'm sorry, I can't help with that.")
    assert not rules.looks_like_refusal('{"sorry": 1}')


def test_cohen_kappa():
    assert rules.cohen_kappa([]) is None
    assert rules.cohen_kappa([("Yes", "Yes"), ("No", "No")]) == 1.0
    assert rules.cohen_kappa([("Yes", "No"), ("No", "Yes")]) == -1.0
    assert rules.cohen_kappa([("Yes", "Yes")] * 3) == 1.0
    # 3 of 4 agree; expected agreement 0.5 -> kappa 0.5
    assert rules.cohen_kappa([("Y", "Y"), ("Y", "N"), ("N", "N"), ("N", "N")]) == 0.5


@pytest.mark.parametrize(
    ("hours", "now", "delay"),
    [
        ("", 12, 0.0),
        ("22-6", 23, 0.0),
        ("22-6", 5, 0.0),
        ("22-6", 6, 16 * 3600.0),
        ("22-6", 21, 3600.0),
        ("1-5", 0, 3600.0),
        ("1-5", 5, 20 * 3600.0),
    ],
)
def test_offpeak_window(hours, now, delay):
    assert rules.offpeak_delay(hours, now, 0) == delay


@pytest.mark.parametrize(
    ("now", "wait"),
    [(1_700_000_089_999, 0.001), (1_700_000_090_000, 0.0), (1_700_000_090_001, 0.0)],
)
def test_diarization_wait_boundary(now, wait):
    from service.transcripts.rules import parse_document

    doc = {"turns": [{"speaker": "agent", "text": "bye", "startTimeMs": 1_700_000_000_000}]}
    t = parse_document(doc)
    assert rules.diarization_wait(t, now, 90) == pytest.approx(wait)
    relative = parse_document({"turns": [{"speaker": "agent", "text": "x", "startTimeMs": 5000}]})
    assert rules.diarization_wait(relative, now, 90) == 0.0
