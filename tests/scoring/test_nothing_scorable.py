"""Nothing scorable (all N/A, all excluded) is no score: null, reviewed, never written."""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from service.calibration.ai_panel import to_score_in
from service.cli import main
from service.reliability.ratings import Answer
from service.scoring import rules
from service.scoring.engine import EngineConfig, score
from service.scoring.results import ScoreResult
from service.scoring.scorecard import from_dict
from service.scoring.writeback import overall_comment
from tests.scoring import test_ingest_jobs as ingest
from tests.scoring.conftest import plain
from tests.scoring.test_ingest_jobs import drain, post, row
from tests.scoring.test_llm_writeback import Scripted

genesys = ingest.genesys  # fixtures shared with the ingestion tests
scoring_app = ingest.scoring_app

DISCLOSURE = "this chat may be recorded for quality purposes"
YES_NO = [{"text": "Yes", "value": 1}, {"text": "No", "value": 0}]


def _card(*, disclosure=True, kill=False):
    questions = [
        {
            "id": "resolution",
            "text": "Did the agent resolve it?",
            "naEnabled": True,
            "answers": YES_NO,
        }
    ]
    if kill:
        questions.append(
            {"id": "abuse", "text": "Was the agent polite?", "kill": True, "answers": YES_NO}
        )
    if disclosure:
        questions.append(
            {
                "id": "disclosure",
                "text": "Recording disclosure read?",
                "type": "phrase",
                "phrases": [DISCLOSURE],
                "answers": YES_NO,
            }
        )
    return from_dict({"id": "c", "version": "1", "sections": [{"id": "s", "questions": questions}]})


def _transcript(disclosure_text):
    return plain(
        ("agent", "Hi, thanks for contacting us! How can I help you today?"),
        ("customer", "Just checking the opening hours."),
        ("agent", disclosure_text),
        ("agent", "We are open nine to five. Anything else?"),
        ("customer", "No, thanks."),
    )


REDACTED = "Sure. This chat may be [REDACTED] for quality purposes."
SAID = "Sure. This chat may be recorded for quality purposes."
ALL_NA = {"resolution": {"answer": "N/A", "evidence": [], "rationale": "nothing to resolve"}}


def test_all_na_and_a_redacted_disclosure_is_nothing_scorable():
    result = score(_transcript(REDACTED), _card(), Scripted(ALL_NA), EngineConfig())
    assert result.percentage is None
    assert result.needs_review is True
    assert result.review_reasons == ["disclosure_redacted:disclosure", "nothing_scorable"]
    assert result.to_json()["percentage"] is None


def test_all_na_without_other_items_is_nothing_scorable():
    result = score(_transcript(SAID), _card(disclosure=False), Scripted(ALL_NA), EngineConfig())
    assert (result.percentage, result.review_reasons) == (None, ["nothing_scorable"])


def test_one_scorable_item_is_a_score():
    # Neighbour: the disclosure was said, so 1 of 1 point is possible.
    result = score(_transcript(SAID), _card(), Scripted(ALL_NA), EngineConfig())
    assert (result.percentage, result.needs_review) == (100.0, False)


def test_a_failed_kill_question_still_zeroes_an_otherwise_na_evaluation():
    answers = {**ALL_NA, "abuse": {"answer": "No", "evidence": [], "rationale": "rude"}}
    result = score(_transcript(REDACTED), _card(kill=True), Scripted(answers), EngineConfig())
    assert result.percentage == 0.0
    assert "nothing_scorable" not in result.review_reasons


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], None),
        ([rules.ItemScore("s", 0.0, 2.0, counted=False)], None),  # N/A: 0 of 0
        ([rules.ItemScore("s", 0.0, 0.0, counted=True)], None),  # an item worth 0 points
        ([rules.ItemScore("s", 0.0, 2.0, counted=True)], 0.0),  # a real 0 of 2
        ([rules.ItemScore("s", 1.0, 2.0, counted=True)], 50.0),
        ([rules.ItemScore("s", 0.0, 1.0, counted=False, kill_failed=True)], 0.0),
    ],
    ids=["empty", "na", "zero-possible", "zero-of-two", "half", "kill"],
)
def test_percentage_of_zero_possible_points_is_none(items, expected):
    assert rules.percentage(items, {"s": 10.0}) == expected


def test_qmloop_score_reports_null_and_review(tmp_path, monkeypatch):
    monkeypatch.delenv("QM_LLM_BASE_URL", raising=False)
    card = tmp_path / "card.yaml"
    card.write_text(
        json.dumps(
            {
                "id": "disclosure-only",
                "version": "1",
                "sections": [
                    {
                        "id": "s",
                        "questions": [
                            {
                                "id": "disclosure",
                                "text": "Recording disclosure read?",
                                "type": "phrase",
                                "phrases": [DISCLOSURE],
                                "answers": YES_NO,
                            }
                        ],
                    }
                ],
            }
        )
    )
    doc = tmp_path / "t.json"
    doc.write_text(
        json.dumps({"turns": [{"speaker": s, "text": t} for s, t in [("agent", REDACTED)]]})
    )
    out = CliRunner().invoke(
        main, ["score", str(doc), "--scorecard", str(card), "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["percentage"] is None and data["needsReview"] is True
    assert "nothing_scorable" in data["reviewReasons"]
    table = CliRunner().invoke(main, ["score", str(doc), "--scorecard", str(card)])
    assert "percentage: n/a" in table.output and "reason: nothing_scorable" in table.output


def test_scoring_job_never_writes_nothing_scorable_back(scoring_app, auth, genesys):
    form = copy.deepcopy(genesys.form)
    form["questionGroups"] = [
        {**g, "questions": [q for q in g["questions"] if q["id"] == "q-disclosure"]}
        for g in form["questionGroups"]
        if any(q["id"] == "q-disclosure" for q in g["questions"])
    ]
    genesys.publish(form)
    phrase = genesys.transcript["transcripts"][0]["phrases"][2]
    phrase["decoratedText"] = "Sure. This call may be [REDACTED] for quality purposes."
    out = post(scoring_app, auth, {"conversationId": "c-na"}).get_json()
    drain(scoring_app)
    r = row(scoring_app, out["jobId"])
    assert (r.status, r.percentage) == ("needs_review", None)
    assert r.review_reasons == ["disclosure_redacted:q-disclosure", "nothing_scorable"]
    assert not genesys.evaluations


def _null_result():
    return ScoreResult("c", "1", "m", "p", [], None, True, ["nothing_scorable"])


def test_write_back_and_calibration_refuse_a_result_without_percentage():
    with pytest.raises(ValueError):
        overall_comment(_null_result(), 480)
    with pytest.raises(ValueError):
        to_score_in(_null_result(), conversation_id="c", evaluator_id="ai:m")


@pytest.mark.parametrize(
    ("answer", "percent"),
    [
        (Answer("na", 0.0, 0.0), None),  # 0 of 0: no percentage (it used to count as 0 %)
        (Answer("no", 0.0, 2.0), 0.0),
        (Answer("part", 1.0, 2.0), 50.0),
        (Answer("raw", 3.0, None), 3.0),  # no maximum given: raw points, as documented
        (Answer("none", None, 2.0), None),
    ],
)
def test_calibration_answer_percent_of_zero_maximum_is_none(answer, percent):
    assert answer.percent == percent


def _evaluation(*marked_na):
    scores = [
        {"questionId": f"q{i}", "answerId": "" if na else f"a{i}", "score": 0, "markedNA": na}
        for i, na in enumerate(marked_na)
    ]
    return {"answers": {"totalScore": 0, "questionGroupScores": [{"questionScores": scores}]}}


@pytest.mark.parametrize(
    ("marked_na", "expected"),
    [((True, True), True), ((True, False), False), ((False,), False), ((), False)],
)
def test_an_all_na_genesys_evaluation_is_not_collected_as_zero(marked_na, expected):
    from service.calibration.sources import nothing_scorable

    assert nothing_scorable(_evaluation(*marked_na)) is expected
