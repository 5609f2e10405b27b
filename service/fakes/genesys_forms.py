"""Published evaluation forms of the sample org, as compact specs and their Genesys JSON."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from service.genesys.formats import genesys_datetime

Json = dict[str, Any]


def _iso(ts: datetime) -> str:
    return genesys_datetime(ts)


def _options(ids: Callable[[], str], pairs: list[tuple[str, int]]) -> list[Json]:
    return [{"id": ids(), "text": text, "value": value} for text, value in pairs]


YES_NO = [("Yes", 1), ("No", 0)]
SCALE = [("Excellent", 5), ("Good", 3), ("Poor", 1), ("Missed", 0)]

# name, weight, naEnabled, [(question text, options, isCritical, isKill, naEnabled)]
CARE_FORM = [
    (
        "Greeting",
        10,
        False,
        [
            ("Greeted with name and company", YES_NO, False, False, False),
            ("Offered help promptly", YES_NO, False, False, False),
        ],
    ),
    (
        "Verification",
        20,
        False,
        [
            ("Verified identity before account details", YES_NO, True, False, False),
            ("Confirmed contact details", YES_NO, False, False, True),
        ],
    ),
    (
        "Empathy",
        25,
        True,
        [
            ("Acknowledged the customer's situation", SCALE, False, False, False),
            ("Tone stayed calm and positive", SCALE, False, False, False),
        ],
    ),
    (
        "Compliance",
        25,
        False,
        [
            ("Read the required disclosure", YES_NO, True, True, False),
            ("No prohibited promises", YES_NO, True, False, False),
        ],
    ),
    (
        "Resolution",
        20,
        False,
        [
            ("Resolved or set clear next steps", SCALE, False, False, False),
            ("Summarised and closed properly", YES_NO, False, False, False),
        ],
    ),
]
HELP_CENTER_FORM = [
    (
        "Group 1",
        40,
        False,
        [
            ("Question 1.1", YES_NO, False, False, False),
            ("Question 1.2", YES_NO, False, False, False),
        ],
    ),
    ("Group 2", 20, False, [("Question 2.1", YES_NO, False, False, False)]),
]
SALES_FORM = [
    ("Greeting", 1, False, [("Opening", SCALE, False, False, False)]),
    ("Empathy", 1, True, [("Listening", SCALE, False, False, True)]),
    (
        "Resolution",
        1,
        False,
        [
            ("Offer matched the need", SCALE, False, False, False),
            ("Closing", SCALE, False, False, False),
        ],
    ),
]
ZERO_FORM = [
    (
        "Feedback",
        1,
        False,
        [("Customer mentioned a competitor", [("Yes", 0), ("No", 0)], False, False, False)],
    ),
]


def form_json(
    ids: Callable[[], str],
    name: str,
    spec: list[Any],
    weight_mode: str,
    modified: datetime,
    context_id: str | None = None,
) -> Json:
    """A published ``EvaluationFormResponse`` built from a compact spec."""
    fid = ids()
    groups = []
    for gname, weight, na, questions in spec:
        groups.append(
            {
                "id": ids(),
                "name": gname,
                "type": "questionGroup",
                "naEnabled": na,
                "weight": float(weight),
                "manualWeight": True,
                "defaultAnswersToHighest": False,
                "defaultAnswersToNA": False,
                "questions": [
                    {
                        "id": ids(),
                        "text": text,
                        "helpText": "",
                        "type": "multipleChoiceQuestion",
                        "naEnabled": q_na,
                        "commentsRequired": False,
                        "isCritical": crit,
                        "isKill": kill,
                        "answerOptions": _options(ids, opts),
                    }
                    for text, opts, crit, kill, q_na in questions
                ],
            }
        )
    return {
        "id": fid,
        "name": name,
        "modifiedDate": _iso(modified),
        "published": True,
        "contextId": context_id or ids(),
        "questionGroups": groups,
        "weightMode": weight_mode,
        "selfUri": f"/api/v2/quality/publishedforms/evaluations/{fid}",
    }
