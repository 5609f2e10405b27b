"""The whole calibration loop against the fake Genesys over real HTTP, through GenesysClient."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from service.fakes.genesys import FakeGenesys
from service.genesys.client import GenesysClient
from service.jobs.service import drain
from tests.calibration.helpers import BASE, bearer, people, session_body
from tests.fixtures_genesys import client_settings

FAKE_GENESYS_SEED = 3  # read by the shared fake_server fixture (tests/fixtures_genesys.py)


@pytest.fixture
def live(app, fake: FakeGenesys) -> Iterator[GenesysClient]:
    client = GenesysClient(
        client_settings(fake, genesys_timeout_seconds=10.0, genesys_max_retries=5)
    )
    app.extensions["genesys"] = client
    yield client
    client.close()


def _answers(form: dict, pick: int) -> dict:
    """Answer every question of the form's groups with option ``pick`` (or the last one)."""
    return {
        "questionGroupScores": [
            {
                "questionGroupId": group["id"],
                "questionScores": [
                    {
                        "questionId": q["id"],
                        "answerId": q["answerOptions"][min(pick, len(q["answerOptions"]) - 1)][
                            "id"
                        ],
                    }
                    for q in group["questions"]
                ],
            }
            for group in form["questionGroups"]
        ]
    }


def test_draw_mirror_collect_and_report_over_http(client, settings, auth, live, fake):
    org = fake.org
    admin = people(settings)["admin"]
    # The fake's calls are all under 3 minutes: the default rule finds none of them...
    default = {"source": "genesys", "count": 3, "seed": 11, "days": 60}
    none = client.post(f"{BASE}/candidates", json=default, headers=admin).get_json()
    assert none["poolSize"] == 0 and none["picks"] == []
    # ...so this test lowers the talk-time floor to 45 s.
    selection = {**default, "minTalkSeconds": 45, "minAgents": 3}
    drawn = client.post(f"{BASE}/candidates", json=selection, headers=admin)
    assert drawn.status_code == 200, drawn.get_json()
    body = drawn.get_json()
    assert body["poolSize"] > 3 and len(body["picks"]) == 3
    for pick in body["picks"]:
        conv = org.conversations[pick["conversationId"]]
        assert conv["_mediaType"] == "voice" and conv["_talkMs"] >= 45_000
        assert pick["handleSeconds"] > 0

    form_id = next(iter(org.forms))
    expert, panel = org.supervisors[0], [org.supervisors[1], org.evaluators[0]]
    payload = session_body(
        formId=form_id,
        expertId=expert,
        evaluatorIds=panel,
        aiEvaluatorIds=[],
        interactions=[],
        selection=selection,
        mirrorToGenesys=True,
    )
    resp = client.post(f"{BASE}/sessions", json=payload, headers=admin)
    assert resp.status_code == 201, resp.get_json()
    sess = resp.get_json()
    assert [i["conversationId"] for i in sess["interactions"]] == [
        p["conversationId"] for p in body["picks"]
    ]
    assert drain(app := client.application, settings) == {"done": 3}
    sess = client.get(f"{BASE}/sessions/{sess['id']}", headers=admin).get_json()
    calibrations = {i["conversationId"]: i["genesysCalibrationId"] for i in sess["interactions"]}
    assert all(calibrations.values())
    created = fake.calibrations[next(iter(calibrations.values()))]
    assert created["expertEvaluator"] == {"id": expert}

    # Each panelist finishes a calibration evaluation in Genesys, with different answers.
    form = org.forms[form_id]
    for pick, evaluator in enumerate([expert, *panel]):
        for conversation, calibration in calibrations.items():
            live.create_evaluation(
                conversation,
                {
                    "evaluationForm": {"id": form_id},
                    "evaluator": {"id": evaluator},
                    "agent": {"id": org.conversations[conversation]["_agentId"]},
                    "conversation": {"id": conversation},
                    "calibration": {"id": calibration},
                    "status": "FINISHED",
                    "answers": _answers(form, pick),
                },
                str(uuid.uuid4()),
            )
    counts = client.post(f"{BASE}/sessions/{sess['id']}/collect", headers=admin).get_json()
    assert (counts["collected"], counts["pending"], counts["skipped"]) == (9, 0, 0)

    gcal = next(iter(calibrations.values()))
    flat = client.post(
        "/data-actions/calibration-report", json={"calibrationId": gcal}, headers=auth
    ).get_json()
    assert flat["status"] == "revealed" and flat["evaluatorCount"] == 3
    scores = client.get(
        f"{BASE}/sessions/{sess['id']}/scores", headers=bearer(settings, "agent", panel[1])
    ).get_json()
    assert scores["revealed"] and len(scores["scores"]) == 9
    assert all(s["source"] == "genesys" and s["answers"] for s in scores["scores"])
    assert app is client.application
