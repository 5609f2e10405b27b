"""Fairness: counterfactual pairs, flip-rate statistics, and a prompt free of agent identity."""

from __future__ import annotations

import inspect
import json
from dataclasses import fields

import pytest

from service.governance import counterfactual as cf
from service.governance.fairness import Tally, compare_pair, format_report, report, run
from service.governance.rules import Interval, is_red, wilson_interval
from service.scoring import prompt as prompt_mod
from service.scoring.engine import EngineConfig, score
from service.scoring.results import ItemResult, ScoreResult
from service.transcripts.rules import Transcript, parse_document
from tests.scoring.conftest import EXAMPLES, GOOD_TURNS, plain


@pytest.mark.parametrize(
    ("flips", "n", "low", "high"),
    [
        # Wilson (1927) 95 % intervals; values as tabled by Brown, Cai & DasGupta (2001).
        (0, 10, 0.0, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (10, 10, 0.7225, 1.0),
        (1, 100, 0.0018, 0.0545),
    ],
)
def test_wilson_interval_known_values(flips, n, low, high):
    ci = wilson_interval(flips, n)
    assert ci.rate == pytest.approx(flips / n)
    assert ci.low == pytest.approx(low, abs=1e-4) and ci.high == pytest.approx(high, abs=1e-4)


def test_wilson_interval_edges():
    assert wilson_interval(0, 0) == Interval(0.0, 0.0, 1.0)
    for flips, n in [(-1, 3), (4, 3), (0, -1)]:
        with pytest.raises(ValueError):
            wilson_interval(flips, n)


@pytest.mark.parametrize(("rate", "red"), [(0.049, False), (0.05, False), (0.051, True)])
def test_red_only_above_the_threshold(rate, red):
    assert is_red(Interval(rate, 0.0, 1.0), 0.05) is red


def _result(**answers: str | None) -> ScoreResult:
    items = [
        ItemResult(
            id=k,
            section_id="s",
            answer=v,
            answer_id=None,
            score=0,
            max_score=1,
            method="llm",
            verified=True,
        )
        for k, v in answers.items()
    ]
    return ScoreResult("c", "1", "m", "p", items, None, False, [])


def test_compare_pair_counts_flips_and_skips_missing_answers(card):
    tallies: dict[str, Tally] = {q.id: Tally() for q in card.questions}
    compare_pair(
        tallies,
        "names",
        _result(greeting="Yes", identity="No", resolution="Yes"),
        _result(greeting="No", identity="No", resolution=None),
    )
    compare_pair(tallies, "gender", _result(greeting="Yes"), _result(greeting="Yes"))
    rep = report(card, tallies, {"names": 1, "gender": 1}, 0.05)
    rows = {q["id"]: q for q in rep["questions"]}
    assert rows["greeting"]["pairs"] == 2 and rows["greeting"]["flips"] == 1
    assert rows["greeting"]["flipRate"] == 0.5 and rows["greeting"]["red"] is True
    assert rows["greeting"]["byPerturbation"] == {
        "gender": {"pairs": 1, "flips": 0},
        "names": {"pairs": 1, "flips": 1},
    }
    assert rows["identity"]["flips"] == 0 and rows["identity"]["red"] is False
    assert rows["resolution"]["pairs"] == 0  # no answer on one side: not a pair
    assert "RED" in format_report(rep)


def test_perturbations_change_one_attribute_both_ways():
    t = plain(("agent", "Hello sir, is this Crystal? He said he is going to call."))
    assert cf.swap_names(t).turns[0].text == (
        "Hello sir, is this Jamal? He said he is going to call."
    )
    assert cf.swap_gender(t).turns[0].text == (
        "Hello ma'am, is this Crystal? She said she is going to call."
    )
    assert "gonna" in cf.swap_dialect(t).turns[0].text
    back = cf.swap_gender(cf.swap_gender(t))
    assert back.turns[0].text == t.turns[0].text
    assert cf.swap_names(plain(("agent", "nothing to swap here"))) is None
    assert cf.add_history(t).turns[0].text == cf.HISTORY_LINE


def test_fairness_report_on_the_abcd_sample_with_the_fake_model(fake_llm, card):
    paths = sorted((EXAMPLES / "transcripts").glob("abcd_*.json"))
    transcripts = [(p.name, parse_document(json.loads(p.read_text()))) for p in paths]
    rep = run(transcripts, card, fake_llm.chat(), EngineConfig(), 0.05)
    assert rep["pairs"]["history"] == len(transcripts) == 3
    assert sum(rep["pairs"].values()) >= 4
    for q in rep["questions"]:
        assert 0 <= q["ci95"][0] <= q["flipRate"] <= q["ci95"][1] <= 1
        assert q["pairs"] <= sum(rep["pairs"].values())


# --- the prompt never carries an agent's identity or history -----------------------------------


def test_prompt_builders_take_no_agent_data():
    assert list(inspect.signature(prompt_mod.messages).parameters) == ["prompt", "transcript"]
    assert list(inspect.signature(prompt_mod.render_transcript).parameters) == ["transcript"]
    # a new Transcript field would need a look: is it identity or history?
    assert [f.name for f in fields(Transcript)] == [
        "turns",
        "conversation_id",
        "communication_id",
        "media_type",
        "language",
        "agent_user_ids",
        "topics",  # Speech & Text Analytics topic names of the conversation: neither identity
        # nor history, and not rendered into the prompt (the web app shows them)
    ]


def test_no_identity_or_history_in_what_the_fake_llm_receives(fake_llm, card):
    t = plain(*GOOD_TURNS, conversationId="conv-SENTINEL-1", communicationId="comm-SENTINEL-2")
    object.__setattr__(t, "agent_user_ids", ("agent-SENTINEL-3",))
    result = score(t, card, fake_llm.chat(), EngineConfig())
    sent = json.dumps(fake_llm.bodies[-len(result.calls) :]).lower()
    for forbidden in ("sentinel", "tenure", "past qa", "past score", "hired"):
        assert forbidden not in sent, forbidden


def test_fairness_command_prints_the_table_and_json(fake_llm, tmp_path):
    from click.testing import CliRunner

    from service.cli import main

    env = {
        "QM_LLM_BASE_URL": fake_llm.base_url,
        "QM_LLM_MODEL": "fake-judge",
        "QM_LLM_API_KEY": "test",
        "QM_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        "QM_GOVERNANCE_FAIRNESS_RED_THRESHOLD": "0.2",
    }
    card = str(EXAMPLES / "scorecards" / "retail_support.yaml")
    runner = CliRunner()
    out = runner.invoke(
        main, ["fairness", "--scorecard", card, str(EXAMPLES / "transcripts")], env=env
    )
    assert out.exit_code == 0, out.output
    assert "greeting" in out.output and "exceeds 0.200" in out.output
    out = runner.invoke(
        main, ["fairness", "--json", "--scorecard", card, str(EXAMPLES / "transcripts")], env=env
    )
    assert json.loads(out.output)["threshold"] == 0.2
    empty = runner.invoke(main, ["fairness", "--scorecard", card, str(tmp_path)], env=env)
    assert empty.exit_code != 0 and "no transcript files" in empty.output
