"""The fake's scoring set: the help-center example, N/A, zero points, kill questions, bad ids."""

from __future__ import annotations

import pytest

from service.fakes.genesys import FakeGenesys
from service.fakes.genesys_scoring import AnswerError, score
from service.genesys.client import GenesysClient


def _q(qid: str, values: list[int], **flags: bool) -> dict:
    return {
        "id": qid,
        "naEnabled": flags.get("na", False),
        "isCritical": flags.get("critical", False),
        "isKill": flags.get("kill", False),
        "answerOptions": [{"id": f"{qid}-{v}", "text": str(v), "value": v} for v in values],
    }


def _form(mode: str = "SCALED") -> dict:
    return {
        "id": "form",
        "weightMode": mode,
        "questionGroups": [
            {
                "id": "g1",
                "weight": 40,
                "naEnabled": False,
                "questions": [_q("q11", [1, 0]), _q("q12", [1, 0])],
            },
            {"id": "g2", "weight": 20, "naEnabled": True, "questions": [_q("q21", [1, 0])]},
        ],
    }


def _answers(picks: dict[str, int], na_groups: tuple[str, ...] = (), na_q: tuple = ()) -> dict:
    groups: dict[str, list] = {"g1": [], "g2": []}
    for qid, value in picks.items():
        groups["g" + qid[1]].append({"questionId": qid, "answerId": f"{qid}-{value}"})
    for qid in na_q:
        groups["g" + qid[1]].append({"questionId": qid, "markedNA": True})
    return {
        "questionGroupScores": [
            {"questionGroupId": g, "markedNA": g in na_groups, "questionScores": qs}
            for g, qs in groups.items()
        ]
    }


def test_help_center_example_is_60_percent() -> None:
    result = score(_form(), _answers({"q11": 1, "q12": 0, "q21": 1}))
    assert result["totalScore"] == pytest.approx(60.0)
    g1, g2 = result["questionGroupScores"]
    # Group totals are weighted points; the unweighted fields are plain points.
    assert (g1["totalScore"], g1["maxTotalScore"]) == (40, 80)
    assert (g1["totalScoreUnweighted"], g1["maxTotalScoreUnweighted"]) == (1, 2)
    assert (g2["totalScore"], g2["maxTotalScore"]) == (20, 20)


def test_weight_mode_off_ignores_weights() -> None:
    result = score(_form("OFF"), _answers({"q11": 1, "q12": 0, "q21": 1}))
    assert result["totalScore"] == pytest.approx(100 * 2 / 3, abs=1e-3)


def test_na_group_counts_zero_of_zero() -> None:
    result = score(_form(), _answers({"q11": 1, "q12": 0}, na_groups=("g2",)))
    assert result["totalScore"] == pytest.approx(50.0)
    g2 = result["questionGroupScores"][1]
    assert g2["markedNA"] and (g2["totalScore"], g2["maxTotalScore"]) == (0, 0)


def test_na_question_counts_zero_of_zero() -> None:
    form = _form()
    form["questionGroups"][0]["questions"][1]["naEnabled"] = True
    result = score(form, _answers({"q11": 1, "q21": 0}, na_q=("q12",)))
    assert result["totalScore"] == pytest.approx(100 * 40 / (40 + 20))


def test_na_not_allowed_is_refused() -> None:
    with pytest.raises(AnswerError):
        score(_form(), _answers({"q21": 1}, na_groups=("g1",)))
    with pytest.raises(AnswerError):
        score(_form(), _answers({"q11": 1}, na_q=("q12",)))


def test_zero_possible_points_scores_zero_without_dividing() -> None:
    form = {
        "id": "z",
        "weightMode": "OFF",
        "questionGroups": [
            {"id": "g1", "weight": 1, "naEnabled": False, "questions": [_q("q11", [0, 0])]}
        ],
    }
    result = score(
        form,
        {
            "questionGroupScores": [
                {
                    "questionGroupId": "g1",
                    "questionScores": [{"questionId": "q11", "answerId": "q11-0"}],
                }
            ]
        },
    )
    assert result["totalScore"] == 0.0
    assert result["questionGroupScores"][0]["maxTotalScore"] == 0


def test_failed_kill_question_zeroes_the_score() -> None:
    form = _form()
    form["questionGroups"][1]["questions"][0]["isKill"] = True
    result = score(form, _answers({"q11": 1, "q12": 1, "q21": 0}))
    assert result["anyFailedKillQuestions"] is True
    assert result["totalScore"] == 0.0
    passed = score(form, _answers({"q11": 1, "q12": 1, "q21": 1}))
    assert passed["anyFailedKillQuestions"] is False and passed["totalScore"] == 100.0


def test_critical_score_covers_only_critical_questions() -> None:
    form = _form()
    form["questionGroups"][0]["questions"][0]["isCritical"] = True
    result = score(form, _answers({"q11": 0, "q12": 1, "q21": 1}))
    assert result["totalCriticalScore"] == 0.0
    assert result["totalNonCriticalScore"] == pytest.approx(100.0)


@pytest.mark.parametrize(
    "answers",
    [
        {"questionGroupScores": [{"questionGroupId": "nope", "questionScores": []}]},
        {
            "questionGroupScores": [
                {
                    "questionGroupId": "g1",
                    "questionScores": [{"questionId": "q21", "answerId": "q21-1"}],
                }
            ]
        },
        {
            "questionGroupScores": [
                {
                    "questionGroupId": "g1",
                    "questionScores": [{"questionId": "q11", "answerId": "q12-1"}],
                }
            ]
        },
    ],
    ids=["unknown-group", "question-of-other-group", "answer-of-other-question"],
)
def test_foreign_ids_are_refused(answers: dict) -> None:
    with pytest.raises(AnswerError):
        score(_form(), answers)


def test_scoring_endpoint_matches(fake: FakeGenesys, gclient: GenesysClient) -> None:
    result = gclient.score_evaluation(_form(), _answers({"q11": 1, "q12": 0, "q21": 1}))
    assert result["totalScore"] == pytest.approx(60.0)
    sample = next(e for e in fake.org.evaluations.values() if e["status"] == "FINISHED")
    stored = gclient.get_evaluation(sample["conversation"]["id"], sample["id"])
    by_id = gclient.score_evaluation({"id": stored["evaluationForm"]["id"]}, stored["answers"])
    assert by_id["totalScore"] == pytest.approx(stored["answers"]["totalScore"])


def test_sample_org_has_the_cases_the_pipeline_needs(fake: FakeGenesys) -> None:
    finished = [e for e in fake.org.evaluations.values() if e["status"] == "FINISHED"]
    scores = [e["answers"]["totalScore"] for e in finished]
    assert any(s < 75 for s in scores) and any(s >= 75 for s in scores)
    assert {e["status"] for e in fake.org.evaluations.values()} >= {
        "PENDING",
        "INPROGRESS",
        "FINISHED",
        "RETRACTED",
    }
    assert any(g["markedNA"] for e in finished for g in e["answers"]["questionGroupScores"])
    assert any(e["answers"]["maxTotalRawScore"] == 0 for e in finished)
    states = [fake.org.users[a]["state"] for a in fake.org.agents]
    assert states.count("deleted") == 1 and "inactive" in states
    assert all(fake.org.users[a]["manager"] for a in fake.org.agents)
