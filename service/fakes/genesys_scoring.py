"""How the fake Genesys scores an evaluation: answers checked against a form version, then the
``EvaluationScoringSet`` computed the way the Genesys help center documents it.

overall % = sum(group points x weight) / sum(group possible points x weight) x 100; questions and
groups marked N/A count 0 of 0; a failed kill (fatal) question zeroes the overall score. Group
``totalScore``/``maxTotalScore`` are weighted (points x group weight when ``weightMode`` is
SCALED, plain points when OFF); ``totalScoreUnweighted``/``maxTotalScoreUnweighted`` are plain
points. See docs/genesys.md for where this comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]


class AnswerError(ValueError):
    """The answers do not fit the form version (Genesys answers 400)."""


@dataclass
class _Sums:
    points: float = 0.0
    possible: float = 0.0
    crit_points: float = 0.0
    crit_possible: float = 0.0
    failed_kill: bool = False
    scores: list[Json] = field(default_factory=list)

    def add(self, other: _Sums, weight: float) -> None:
        self.points += other.points * weight
        self.possible += other.possible * weight
        self.crit_points += other.crit_points * weight
        self.crit_possible += other.crit_possible * weight
        self.failed_kill = self.failed_kill or other.failed_kill


def _pct(points: float, possible: float) -> float:
    return round(100.0 * points / possible, 4) if possible > 0 else 0.0


def _index(items: list[Json] | None, key: str = "id") -> dict[str, Json]:
    return {str(item.get(key)): item for item in items or []}


def group_weight(form: Json, group: Json) -> float:
    """The multiplier of a question group: its weight when the form is SCALED, else 1."""
    if str(form.get("weightMode", "OFF")).upper() == "SCALED":
        return float(group.get("weight") or 0.0)
    return 1.0


def _score_question(question: Json, given: Json | None, group_na: bool) -> tuple[Json, _Sums]:
    """One question's score entry and its points (0 of 0 when N/A)."""
    qid = str(question["id"])
    options = _index(question.get("answerOptions"))
    best = max((int(o.get("value") or 0) for o in options.values()), default=0)
    given = given or {}
    marked_na = bool(given.get("markedNA")) or group_na
    if given.get("markedNA") and not question.get("naEnabled") and not group_na:
        raise AnswerError(f"question {qid} cannot be marked N/A")
    entry: Json = {"questionId": qid, "markedNA": marked_na, "systemMarkedNA": False}
    if given.get("comments"):
        entry["comments"] = given["comments"]
    sums = _Sums()
    if marked_na:
        entry["score"] = 0
        return entry, sums
    answer_id = given.get("answerId")
    if answer_id is not None and str(answer_id) not in options:
        raise AnswerError(f"answer {answer_id} is not an option of question {qid}")
    value = int(options[str(answer_id)].get("value") or 0) if answer_id is not None else 0
    if answer_id is not None:
        entry["answerId"] = str(answer_id)
    entry["score"] = value
    entry["failedKillQuestion"] = (
        bool(question.get("isKill")) and answer_id is not None and (value < best)
    )
    sums.points, sums.possible = value, best
    if question.get("isCritical"):
        sums.crit_points, sums.crit_possible = value, best
    sums.failed_kill = entry["failedKillQuestion"]
    return entry, sums


def _score_group(form: Json, group: Json, given: Json | None) -> tuple[Json, _Sums]:
    """One ``EvaluationQuestionGroupScore`` and the group's weighted sums."""
    gid = str(group["id"])
    given = given or {}
    group_na = bool(given.get("markedNA"))
    if group_na and not group.get("naEnabled"):
        raise AnswerError(f"question group {gid} cannot be marked N/A")
    questions = _index(group.get("questions"))
    answered = _index(given.get("questionScores"), "questionId")
    unknown = set(answered) - set(questions)
    if unknown:
        raise AnswerError(f"question {sorted(unknown)[0]} is not in question group {gid}")
    raw = _Sums()
    entries = []
    for qid, question in questions.items():
        entry, sums = _score_question(question, answered.get(qid), group_na)
        entries.append(entry)
        raw.add(sums, 1.0)
    weight = group_weight(form, group)
    non_crit, non_crit_max = raw.points - raw.crit_points, raw.possible - raw.crit_possible
    out: Json = {
        "questionGroupId": gid,
        "totalScore": raw.points * weight,
        "maxTotalScore": raw.possible * weight,
        "markedNA": group_na,
        "systemMarkedNA": False,
        "totalCriticalScore": raw.crit_points * weight,
        "maxTotalCriticalScore": raw.crit_possible * weight,
        "totalNonCriticalScore": non_crit * weight,
        "maxTotalNonCriticalScore": non_crit_max * weight,
        "totalScoreUnweighted": raw.points,
        "maxTotalScoreUnweighted": raw.possible,
        "totalCriticalScoreUnweighted": raw.crit_points,
        "maxTotalCriticalScoreUnweighted": raw.crit_possible,
        "totalNonCriticalScoreUnweighted": non_crit,
        "maxTotalNonCriticalScoreUnweighted": non_crit_max,
        "questionScores": entries,
    }
    return out, raw


def score(form: Json, answers: Json | None) -> Json:
    """The ``EvaluationScoringSet`` for ``answers`` on ``form``; raises AnswerError on bad ids."""
    answers = answers or {}
    groups = _index(form.get("questionGroups"))
    given = _index(answers.get("questionGroupScores"), "questionGroupId")
    unknown = set(given) - set(groups)
    if unknown:
        raise AnswerError(f"question group {sorted(unknown)[0]} is not in form {form.get('id')}")
    total = _Sums()
    group_scores = []
    for gid, group in groups.items():
        out, raw = _score_group(form, group, given.get(gid))
        group_scores.append(out)
        total.add(raw, group_weight(form, group))
    overall = 0.0 if total.failed_kill else _pct(total.points, total.possible)
    result: Json = {
        "totalScore": overall,
        "totalCriticalScore": _pct(total.crit_points, total.crit_possible),
        "totalNonCriticalScore": _pct(
            total.points - total.crit_points, total.possible - total.crit_possible
        ),
        "maxTotalRawScore": sum(g["maxTotalScoreUnweighted"] for g in group_scores),
        "maxTotalRawCriticalScore": sum(g["maxTotalCriticalScoreUnweighted"] for g in group_scores),
        "anyFailedKillQuestions": total.failed_kill,
        "questionGroupScores": group_scores,
    }
    for key in ("comments", "agentComments", "privateComments"):
        if answers.get(key):
            result[key] = answers[key]
    return result
