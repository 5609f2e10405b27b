"""The fake Genesys itself: org determinism, query endpoints, control endpoints, process mode."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from service.fakes.genesys import FakeGenesys
from service.fakes.genesys_org import build_org
from service.genesys.api import GenesysError
from service.genesys.client import GenesysClient
from service.genesys.formats import genesys_interval


def test_org_is_deterministic_per_seed() -> None:
    anchor = datetime(2026, 11, 1, tzinfo=UTC)
    one, again, other = build_org(1, anchor), build_org(1, anchor), build_org(2, anchor)
    assert one.summary() == again.summary()
    assert list(one.users) != list(other.users)


def test_api_requires_a_token(fake: FakeGenesys) -> None:
    user = next(iter(fake.org.users))
    resp = requests.get(f"{fake.url}/api/v2/users/{user}", timeout=5)
    assert resp.status_code == 401
    resp = requests.get(
        f"{fake.url}/api/v2/users/{user}", headers={"Authorization": "Bearer nope"}, timeout=5
    )
    assert resp.status_code == 401 and resp.json()["status"] == 401


def test_expanded_evaluation(fake: FakeGenesys, gclient: GenesysClient) -> None:
    ev = next(iter(fake.org.evaluations.values()))
    got = gclient.get_evaluation(ev["conversation"]["id"], ev["id"])
    assert got["agent"]["name"] and got["evaluator"]["name"]
    assert got["evaluationForm"]["questionGroups"]
    plain = gclient.request(
        "GET", f"/api/v2/quality/conversations/{ev['conversation']['id']}/evaluations/{ev['id']}"
    )
    assert set(plain["agent"]) == {"id", "selfUri"}


def test_evaluation_query_needs_a_filter_and_hides_answers(
    fake: FakeGenesys, gclient: GenesysClient
) -> None:
    with pytest.raises(GenesysError):
        gclient.query_evaluations({"pageSize": 5})
    agent = fake.org.agents[0]
    page = gclient.query_evaluations({"agentUserId": agent})
    assert page["total"] == sum(
        1 for e in fake.org.evaluations.values() if e["agent"]["id"] == agent
    )
    assert all("answers" not in e for e in page["entities"])
    totals = gclient.query_evaluations({"agentUserId": agent, "expandAnswerTotalScores": "true"})
    assert all("totalScore" in e["answers"] for e in totals["entities"])


def test_update_evaluation_to_finished(fake: FakeGenesys, gclient: GenesysClient) -> None:
    ev = next(e for e in fake.org.evaluations.values() if e["status"] == "PENDING")
    form = fake.org.forms[ev["evaluationForm"]["id"]]
    group = form["questionGroups"][0]
    answers = {
        "questionGroupScores": [
            {
                "questionGroupId": group["id"],
                "questionScores": [
                    {"questionId": q["id"], "answerId": q["answerOptions"][0]["id"]}
                    for q in group["questions"]
                ],
            }
        ]
    }
    got = gclient.update_evaluation(
        ev["conversation"]["id"], ev["id"], {"status": "FINISHED", "answers": answers}
    )
    assert got["status"] == "FINISHED" and got["version"] == 2
    assert got["answers"]["questionGroupScores"][0]["totalScoreUnweighted"] > 0


def test_calibration_round_trip(fake: FakeGenesys, gclient: GenesysClient) -> None:
    conv = next(iter(fake.org.conversations))
    form = next(iter(fake.org.forms))
    created = gclient.create_calibration(
        {
            "conversation": {"id": conv},
            "evaluationForm": {"id": form},
            "calibrator": {"id": fake.org.supervisors[0]},
            "evaluators": [{"id": fake.org.evaluators[0]}],
        }
    )
    got = gclient.get_calibration(created["id"])
    assert got["conversation"]["id"] == conv and got["evaluators"]
    with pytest.raises(GenesysError):
        gclient.create_calibration({"evaluationForm": {"id": form}})


def _interval(days: int = 40) -> str:
    now = datetime.now(UTC)
    return genesys_interval(now - timedelta(days=days), now + timedelta(days=1))


def test_analytics_filters_media_and_talk_time(fake: FakeGenesys, gclient: GenesysClient) -> None:
    everything = gclient.query_conversation_details(
        {"interval": _interval(), "paging": {"pageSize": 100, "pageNumber": 1}}
    )
    assert everything["totalHits"] == len(fake.org.conversations)
    voice = gclient.query_conversation_details(
        {
            "interval": _interval(),
            "segmentFilters": [
                {
                    "type": "and",
                    "predicates": [
                        {"type": "dimension", "dimension": "mediaType", "value": "voice"},
                        {"type": "metric", "metric": "tTalkComplete", "range": {"gte": 30000}},
                    ],
                }
            ],
            "paging": {"pageSize": 100, "pageNumber": 1},
        }
    )
    expected = [
        c
        for c in fake.org.conversations.values()
        if c["_mediaType"] == "voice" and c["_talkMs"] >= 30000
    ]
    assert voice["totalHits"] == len(expected) > 0
    session = voice["conversations"][0]["participants"][1]["sessions"][0]
    assert session["mediaType"] == "voice"
    assert session["metrics"][0]["value"] >= 30000
    page2 = gclient.query_conversation_details(
        {"interval": _interval(), "paging": {"pageSize": 10, "pageNumber": 4}}
    )
    assert len(page2["conversations"]) == len(fake.org.conversations) - 30
    empty = gclient.query_conversation_details({"interval": _interval(0)})
    assert empty == {"totalHits": 0}


def test_schedule_slots_avoid_booked_time(fake: FakeGenesys, gclient: GenesysClient) -> None:
    agent = fake.org.agents[0]
    day = (datetime.now(UTC) + timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    day += timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)  # shifts: Mon-Fri
    body = {
        "interval": genesys_interval(day, day + timedelta(days=1)),
        "lengthInMinutes": 30,
        "attendeeIds": [agent],
    }
    slots = gclient.query_schedule_slots(body)["suggestedSlots"]
    assert slots and all(s["differenceRating"] in {"Poor", "Neutral", "Good"} for s in slots)
    first = slots[0]
    gclient.create_coaching_appointment(
        {
            "name": "Coaching",
            "description": "d",
            "dateStart": first["dateStart"],
            "lengthInMinutes": 30,
            "attendeeIds": [agent],
            "addToSchedule": True,
        }
    )
    again = gclient.query_schedule_slots(body)["suggestedSlots"]
    assert first["dateStart"] not in {s["dateStart"] for s in again}


def test_sta_metrics_and_transcript_shape(fake: FakeGenesys, gclient: GenesysClient) -> None:
    voice = [c for c in fake.org.conversations.values() if c["_mediaType"] == "voice"]
    low = 0
    for conv in voice:
        doc = gclient.download_transcript(
            gclient.get_transcript_url(conv["id"], conv["_communicationId"])
        )
        phrases = doc["transcripts"][0]["phrases"]
        assert {p["participantPurpose"] for p in phrases} == {"internal", "external"}
        low += sum(1 for p in phrases if p["confidence"] < 0.7)
    assert low > 0
    metrics = gclient.get_conversation_analytics(voice[0]["id"])
    assert -100 <= metrics["sentimentScore"] <= 100
    assert metrics["empathyScores"][0]["userId"] == voice[0]["_agentId"]


def test_control_endpoints(fake: FakeGenesys, gclient: GenesysClient) -> None:
    resp = requests.post(
        f"{fake.url}/__fake__/faults", json={"kind": "fail", "n": 1, "status": 502}, timeout=5
    )
    assert resp.status_code == 200
    gclient.get_user(fake.org.agents[0])
    assert gclient.stats()["retries"] == 1
    calls = requests.get(f"{fake.url}/__fake__/calls", timeout=5).json()
    assert calls["GET /api/v2/users/<user_id>"] == 2
    org = requests.get(f"{fake.url}/__fake__/org", timeout=5).json()
    assert len(org["evaluations"]) == len(fake.org.evaluations)
    bad = requests.post(f"{fake.url}/__fake__/faults", json={"kind": "nope"}, timeout=5)
    assert bad.status_code == 400
    requests.post(f"{fake.url}/__fake__/reset", timeout=5)
    assert fake.calls_to("*") == 0


def test_chaos_mode_is_survivable_and_seeded(fake: FakeGenesys) -> None:
    from tests.fixtures_genesys import client_settings

    client = GenesysClient(client_settings(fake, genesys_max_retries=8))
    fake.faults.chaos(0.3, seed=7)
    for user in fake.org.agents[:7]:
        client.get_user(user)
    assert client.stats()["retries"] > 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    "argv",
    [
        [sys.executable, "-m", "service.fakes.genesys"],
        [sys.executable, "-m", "service.cli", "fake-genesys"],
    ],
    ids=["module", "qmloop"],
)
def test_runs_as_its_own_process(argv: list[str], tmp_path) -> None:
    port = _free_port()
    env = {**os.environ, "QM_INSTANCE_PATH": str(tmp_path)}
    proc = subprocess.Popen(
        argv + ["--port", str(port), "--seed", "3"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                resp = requests.get(f"http://127.0.0.1:{port}/__fake__/org", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("fake Genesys did not start")
        assert resp.json()["seed"] == 3
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_evaluation_query_time_window(fake: FakeGenesys, gclient: GenesysClient) -> None:
    agent = fake.org.agents[0]
    mine = [e for e in fake.org.evaluations.values() if e["agent"]["id"] == agent]
    cut = sorted(e["createdDate"] for e in mine)[len(mine) // 2]
    later = gclient.query_evaluations({"agentUserId": agent, "startTime": cut})
    earlier = gclient.query_evaluations({"agentUserId": agent, "endTime": cut})
    assert later["total"] + earlier["total"] == len(mine)
    assert later["total"] == sum(1 for e in mine if e["createdDate"] >= cut) > 0


def test_voice_transcripts_start_with_the_ivr(fake: FakeGenesys) -> None:
    voice = next(c for c in fake.org.conversations.values() if c["_mediaType"] == "voice")
    doc = fake.org.transcripts[f"{voice['id']}/{voice['_communicationId']}"]
    phrases = doc["transcripts"][0]["phrases"]
    windows = {p["participantPurpose"]: p for p in doc["participants"]}
    ivr, agent = windows["ivr"], windows["internal"]
    first = phrases[0]
    assert first["participantPurpose"] == "internal"
    assert ivr["startTimeMs"] <= first["startTimeMs"] < ivr["endTimeMs"] <= agent["startTimeMs"]
    agent_phrases = [p for p in phrases[1:] if p["participantPurpose"] == "internal"]
    assert agent_phrases and all(p["startTimeMs"] >= agent["startTimeMs"] for p in agent_phrases)
