"""A simulated team where one calibrator drifts +11 points: rotation skips them, and the
calibration of calibrators flags them and no other (seed edge case 3)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from service.calibration.programs import service
from service.calibration.programs.models import CalibrationProgramRun
from service.calibration.programs.schemas import ProgramSpec
from service.db import get_db
from tests.calibration.helpers import ALICE, BASE, BOB, bearer, people

CALIBRATORS = ["cal-a", "cal-b", "cal-c"]
LEADERS = ["lead-1", "lead-2", "lead-3"]
DRIFT = {"cal-b": 11.0}


def _score(conversation: str, total: float) -> dict:
    answer = {"questionId": "product", "answerId": "x", "score": total / 25, "maxScore": 4}
    return {"conversationId": conversation, "totalScore": round(total, 2), "answers": [answer]}


def _post(client, headers, sid, conversation, total):
    resp = client.post(
        f"{BASE}/sessions/{sid}/scores", json=_score(conversation, total), headers=headers
    )
    assert resp.status_code == 201, resp.get_json()


def _team_history(client, settings, rng, truth):
    """One revealed session per calibrator as expert, 4 conversations each."""
    admin = people(settings)["admin"]
    for n, cal in enumerate(CALIBRATORS):
        convs = [f"conv-{n}-{i}" for i in range(4)]
        body = {
            "name": f"History {cal}",
            "formId": "form-1",
            "expertId": cal,
            "evaluatorIds": [ALICE, BOB],
            "deadline": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
            "interactions": [{"conversationId": c, "agentId": "agent-1"} for c in convs],
            "questions": [{"id": "product"}],
        }
        sid = client.post(f"{BASE}/sessions", json=body, headers=admin).get_json()["id"]
        for c in convs:
            truth[c] = rng.uniform(55, 84)
            _post(
                client,
                bearer(settings, "supervisor", cal),
                sid,
                c,
                truth[c] + DRIFT.get(cal, 0.0) + rng.gauss(0, 1.5),
            )
            for who in (ALICE, BOB):
                _post(client, bearer(settings, "agent", who), sid, c, truth[c] + rng.gauss(0, 1.5))


def _programs(app, now):
    common = {
        "formId": "form-1",
        "cadence": "weekly",
        "weekday": now.weekday(),
        "time": "00:00",
        "timezone": "UTC",
        "calibrators": CALIBRATORS,
    }
    standard = ProgramSpec.model_validate(
        {
            **common,
            "name": "Team weekly",
            "panel": [ALICE, BOB],
            "interactions": 1,
            "selection": {
                "source": "inline",
                "candidates": [
                    {"conversationId": "new-1", "agentId": "agent-9", "talkSeconds": 400}
                ],
            },
            "rotation": {"onDrift": "skip"},
        }
    )
    leadership = ProgramSpec.model_validate(
        {
            **common,
            "name": "Leadership",
            "kind": "calibrators",
            "panel": LEADERS,
            "interactions": 12,
        }
    )
    with get_db(app).session_scope() as db:
        service.load(db, [standard, leadership], now=now - timedelta(days=2))
        team = next(p for p in service.all_programs(db) if p.name == "Team weekly")
        db.add(
            CalibrationProgramRun(
                program_id=team.id,
                period_key="2000-01-01",
                scheduled_for=now - timedelta(days=30),
                calibrator_id="cal-a",
                rotation_reason="first",
            )
        )


def test_drifting_calibrator_is_skipped_and_flagged_by_the_leadership(client, settings, app):
    rng = random.Random(11)
    truth: dict[str, float] = {}
    _team_history(client, settings, rng, truth)
    admin = people(settings)["admin"]
    drift = client.get(f"{BASE}/reports/calibrators", headers=admin).get_json()
    assert drift["summary"]["flagged"] == ["cal-b"]

    now = datetime.now(UTC)
    _programs(app, now)
    tick = client.post(f"{BASE}/programs/tick", headers=admin)
    assert tick.status_code == 200, tick.get_json()
    made = {m["program"]: m for m in tick.get_json()["created"]}
    assert made["Team weekly"]["calibrator"] == "cal-c"  # cal-b's turn, skipped for drift
    listing = client.get(f"{BASE}/programs", headers=admin).get_json()["programs"]
    team = next(p for p in listing if p["name"] == "Team weekly")
    assert [r["rotationReason"] for r in team["runs"]] == ["first", "skipped_drift"]
    assert team["runs"][-1]["notified"] == sorted(["cal-c", ALICE, BOB])

    review = made["Leadership"]["sessionId"]
    sess = client.get(f"{BASE}/sessions/{review}", headers=admin).get_json()
    convs = [i["conversationId"] for i in sess["interactions"]]
    assert sorted(convs) == sorted(truth)  # every calibrator's expert conversations
    blind = client.get(f"{BASE}/sessions/{review}/calibrators-report", headers=admin).get_json()
    assert blind["status"] == "open" and blind["calibrators"] == [] and blind["flagged"] == []

    for lead in LEADERS:
        for c in convs:
            _post(
                client,
                bearer(settings, "supervisor", lead),
                review,
                c,
                truth[c] + rng.gauss(0, 1.5),
            )
    report = client.get(f"{BASE}/sessions/{review}/calibrators-report", headers=admin)
    body = report.get_json()
    assert body["status"] == "complete"
    assert body["flagged"] == ["cal-b"]
    rows = {r["calibrator_id"]: r for r in body["calibrators"]}
    assert set(rows) == set(CALIBRATORS)
    assert rows["cal-b"]["unchallenged_standard"] and 8 < rows["cal-b"]["mean"] < 14
    assert rows["cal-b"]["criteria"][0]["diverges"]
    for other in ("cal-a", "cal-c"):
        assert not rows[other]["unchallenged_standard"]
        assert rows[other]["ci_low"] < 0 < rows[other]["ci_high"] or abs(rows[other]["mean"]) < 5
    panelist = client.get(
        f"{BASE}/sessions/{review}/calibrators-report", headers=people(settings)["alice"]
    )
    assert panelist.status_code in (403, 404)
    # Ticking again in the same period creates nothing more.
    again = client.post(f"{BASE}/programs/tick", headers=admin).get_json()
    assert again["created"] == []
