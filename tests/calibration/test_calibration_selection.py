"""Candidate selection (pure and over the API) and Genesys mirroring and collection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.calibration import selection
from service.calibration.selection import Candidate, Criteria
from service.jobs.service import drain
from tests.calibration.helpers import (
    ALICE,
    BASE,
    BOB,
    EXPERT,
    MemoryGenesys,
    create,
    people,
)

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)


def _pool(n=40, agents=6):
    return [
        Candidate(f"c{i:03d}", f"agent-{i % agents}", 180 + 30 * i, 200 + i, start=NOW)
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("change", "kept"),
    [
        ({"talk_seconds": 179.9}, False),
        ({"talk_seconds": 180}, True),
        ({"media_type": "chat"}, False),
        ({"has_recording": False}, False),
        ({"agent_id": ""}, False),
        ({"start": NOW - timedelta(days=14)}, True),
        ({"start": NOW - timedelta(days=14, seconds=1)}, False),
        ({"start": None}, True),
    ],
)
def test_eligibility_boundaries(change, kept):
    base = {"conversation_id": "c", "agent_id": "a", "handle_seconds": 300, "talk_seconds": 200}
    cand = Candidate(**{**base, "start": NOW, **change})
    assert bool(selection.eligible([cand], Criteria(), NOW)) is kept


def test_draw_is_reproducible_with_its_seed():
    first = selection.select(_pool(), count=5, seed=42)
    again = selection.select(list(reversed(_pool())), count=5, seed=42)
    other = selection.select(_pool(), count=5, seed=43)
    assert [c.conversation_id for c in first["picks"]] == [
        c.conversation_id for c in again["picks"]
    ]
    assert [c.conversation_id for c in first["picks"]] != [
        c.conversation_id for c in other["picks"]
    ]


@pytest.mark.parametrize("seed", range(20))
def test_draw_spreads_agents_and_handle_times(seed):
    pool = _pool()
    drawn = selection.select(pool, count=5, seed=seed)
    picks = drawn["picks"]
    assert len(picks) == 5 and len({c.conversation_id for c in picks}) == 5
    assert len({c.agent_id for c in picks}) >= 3 and drawn["agent_spread_met"]
    # one pick from each fifth of the handle-time range
    bands = selection.strata(sorted(pool, key=lambda c: c.handle_seconds), 5)
    for band, pick in zip(bands, picks, strict=True):
        assert pick in band


def test_draw_reports_when_too_few_agents_exist():
    pool = [Candidate(f"c{i}", "agent-1" if i < 5 else "agent-2", 200 + i, 200) for i in range(9)]
    drawn = selection.select(pool, count=5, seed=1)
    assert drawn["agents"] == 2 and drawn["agent_spread_met"] is False
    assert len(drawn["picks"]) == 5


def test_draw_from_a_small_pool_takes_everything():
    drawn = selection.select(_pool(3, 3), count=5, seed=1)
    assert len(drawn["picks"]) == 3
    assert selection.select([], count=5, seed=1)["picks"] == []


def _conversation(i, *, talk_ms=200_000, media="voice", recording=True, agent=True):
    participants = [{"purpose": "customer", "sessions": [{"mediaType": media}]}]
    if agent:
        participants.append(
            {
                "purpose": "agent",
                "userId": f"agent-{i % 4}",
                "sessions": [
                    {
                        "mediaType": media,
                        "recording": recording,
                        "metrics": [
                            {"name": "tTalkComplete", "value": talk_ms},
                            {"name": "tHandle", "value": 60_000 * (3 + i % 20)},
                        ],
                    }
                ],
            }
        )
    return {
        "conversationId": f"gconv-{i:03d}",
        "conversationStart": (datetime.now(UTC) - timedelta(days=1))
        .isoformat()
        .replace("+00:00", "Z"),
        "participants": participants,
    }


def test_candidate_from_analytics_details():
    cand = selection.candidate_from_details(_conversation(5))
    assert (cand.agent_id, cand.talk_seconds, cand.handle_seconds) == ("agent-1", 200.0, 480.0)
    assert cand.has_recording and cand.media_type == "voice" and cand.start is not None
    assert selection.candidate_from_details(_conversation(1, agent=False)) is None
    assert not selection.candidate_from_details(_conversation(2, recording=False)).has_recording


def test_candidates_endpoint_pages_through_genesys(client, settings, app):
    fake = MemoryGenesys()
    fake.conversations = [_conversation(i) for i in range(230)]
    fake.conversations += [_conversation(300, talk_ms=90_000), _conversation(301, media="chat")]
    app.extensions["genesys"] = fake
    resp = client.post(
        f"{BASE}/candidates",
        json={"source": "genesys", "count": 6, "seed": 7},
        headers=people(settings)["admin"],
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert [q["paging"]["pageNumber"] for q in fake.queries] == [1, 2, 3]
    assert body["poolSize"] == 230 and body["seed"] == 7 and len(body["picks"]) == 6
    assert body["agentSpreadMet"] is True
    again = client.post(
        f"{BASE}/candidates",
        json={"source": "genesys", "count": 6, "seed": 7},
        headers=people(settings)["admin"],
    ).get_json()
    assert again["picks"] == body["picks"]


def test_candidates_without_genesys_is_a_clear_error(client, settings):
    resp = client.post(
        f"{BASE}/candidates", json={"source": "genesys"}, headers=people(settings)["admin"]
    )
    assert resp.status_code == 400 and resp.get_json()["code"] == "genesys_not_configured"


def test_session_from_inline_candidates_records_the_seed(client, settings):
    candidates = [
        {
            "conversationId": f"c{i}",
            "agentId": f"a{i % 4}",
            "handleSeconds": 200 + 40 * i,
            "talkSeconds": 240,
        }
        for i in range(12)
    ]
    sess = create(
        client,
        settings,
        interactions=[],
        selection={"source": "inline", "count": 4, "seed": 99, "candidates": candidates},
    )
    assert sess["selection"] == {"seed": 99} and len(sess["interactions"]) == 4
    drawn = client.post(
        f"{BASE}/candidates",
        json={"source": "inline", "count": 4, "seed": 99, "candidates": candidates},
        headers=people(settings)["admin"],
    ).get_json()
    assert [p["conversationId"] for p in drawn["picks"]] == [
        i["conversationId"] for i in sess["interactions"]
    ]


def _evaluation(evaluator, total, status="FINISHED", product="a-good"):
    return {
        "id": f"ev-{evaluator}",
        "status": status,
        "evaluator": {"id": evaluator},
        "answers": {
            "totalScore": total,
            "questionGroupScores": [
                {
                    "questionGroupId": "g1",
                    "questionScores": [
                        {"questionId": "greet", "answerId": "a-yes", "score": 1},
                        {"questionId": "product", "answerId": product, "score": 2},
                    ],
                }
            ],
        },
    }


def test_mirror_into_genesys_and_collect_back(client, settings, app, auth):
    fake = MemoryGenesys()
    app.extensions["genesys"] = fake
    sid = create(client, settings, mirrorToGenesys=True)["id"]
    assert drain(app, settings) == {"done": 2}
    first = fake.created[0]
    assert first["conversation"] == {"id": "conv-1"} and first["expertEvaluator"] == {"id": EXPERT}
    assert first["evaluators"] == [{"id": ALICE}, {"id": BOB}]  # people only, not the AI
    sess = client.get(f"{BASE}/sessions/{sid}", headers=people(settings)["admin"]).get_json()
    gcal = {i["conversationId"]: i["genesysCalibrationId"] for i in sess["interactions"]}
    assert gcal == {"conv-1": "gcal-1", "conv-2": "gcal-2"}
    fake.calibrations["gcal-1"]["evaluations"] = [
        _evaluation(EXPERT, 80),
        _evaluation(ALICE, 92),
        _evaluation(BOB, 70, status="INPROGRESS"),
        _evaluation("user-stranger", 50),
    ]
    admin = people(settings)["admin"]
    counts = client.post(f"{BASE}/sessions/{sid}/collect", headers=admin).get_json()
    assert (counts["collected"], counts["pending"], counts["skipped"]) == (2, 1, 1)
    assert set(counts) == {"sessionId", "collected", "pending", "skipped"}  # counts, no scores
    fake.calibrations["gcal-1"]["evaluations"][2]["status"] = "FINISHED"
    client.post(f"{BASE}/sessions/{sid}/close", headers=admin)
    flat = client.post(
        "/data-actions/calibration-report", json={"calibrationId": "gcal-1"}, headers=auth
    ).get_json()
    # Closed before Bob's evaluation was collected: the report shows what was in.
    assert flat["status"] == "revealed" and flat["evaluatorCount"] == 2
    assert (flat["mean"], flat["range"], flat["expertScore"]) == (86, 12, 80)
    late = client.post(f"{BASE}/sessions/{sid}/collect", headers=admin).get_json()
    assert late["collected"] == 0


def test_mirror_job_without_genesys_dead_letters(client, settings, app):
    create(client, settings, mirrorToGenesys=True)
    assert drain(app, settings) == {"dead": 2}


def test_draw_from_interactions_already_in_our_database(client, settings):
    admin = people(settings)["admin"]
    now = datetime.now(UTC)
    rows = [
        {
            "conversationId": f"db{i}",
            "agentId": f"a{i % 5}",
            "handleSeconds": 200 + 30 * i,
            "talkSeconds": 150 + 10 * i,
            "start": (now - timedelta(days=i)).isoformat(),
        }
        for i in range(20)
    ]
    added = client.post(f"{BASE}/candidate-pool", json={"candidates": rows}, headers=admin)
    assert added.get_json() == {"added": 20, "updated": 0, "total": 20}
    again = client.post(f"{BASE}/candidate-pool", json={"candidates": rows[:3]}, headers=admin)
    assert again.get_json() == {"added": 0, "updated": 3, "total": 20}
    body = {"source": "database", "count": 4, "seed": 3}
    drawn = client.post(f"{BASE}/candidates", json=body, headers=admin).get_json()
    # talk >= 180 s (i >= 3) and started less than 14 days before the draw (i <= 13): 11
    assert drawn["poolSize"] == 11 and len(drawn["picks"]) == 4 and drawn["agentSpreadMet"]
    picked = {p["conversationId"] for p in drawn["picks"]}
    assert picked <= {f"db{i}" for i in range(3, 14)}
    sess = create(client, settings, interactions=[], selection=body)
    assert {i["conversationId"] for i in sess["interactions"]} == picked


def test_candidate_pool_is_staff_only(client, settings):
    body = {"candidates": [{"conversationId": "x"}]}
    resp = client.post(f"{BASE}/candidate-pool", json=body, headers=people(settings)["alice"])
    assert resp.status_code == 403


def test_batch_collect_of_open_mirrored_sessions(client, settings, app):
    from service.calibration.collect import collect_open_sessions
    from service.db import get_db

    fake = MemoryGenesys()
    app.extensions["genesys"] = fake
    sid = create(client, settings, mirrorToGenesys=True)["id"]
    create(client, settings)  # not mirrored: left alone
    drain(app, settings)
    fake.calibrations["gcal-2"]["evaluations"] = [_evaluation(ALICE, 75)]
    with get_db(app).session_scope() as db:
        totals = collect_open_sessions(db, genesys=fake, now=datetime.now(UTC))
    assert totals == {"sessions": 1, "collected": 1, "pending": 0, "skipped": 0}
    mine = client.get(f"{BASE}/sessions/{sid}/scores", headers=people(settings)["alice"])
    assert [s["totalScore"] for s in mine.get_json()["scores"]] == [75]


def test_collect_cli_needs_genesys(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from service.cli import main

    monkeypatch.setenv("QM_INSTANCE_PATH", str(tmp_path))
    for name in ("QM_GENESYS_API_HOST", "QM_GENESYS_REGION", "QM_GENESYS_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(main, ["calibration", "collect"])
    assert result.exit_code == 2 and "not configured" in result.output


def test_a_lost_create_answer_is_looked_up_not_created_twice(client, settings, app):
    fake = MemoryGenesys()
    fake.lose_next_create_answer = 1
    app.extensions["genesys"] = fake
    sid = create(client, settings, mirrorToGenesys=True)["id"]
    outcome = drain(app, settings)
    assert outcome.get("done") == 2 and sum(outcome.values()) == 3  # one retried attempt
    assert len(fake.created) == 2  # one per interaction, none twice
    sess = client.get(f"{BASE}/sessions/{sid}", headers=people(settings)["admin"]).get_json()
    assert sorted(i["genesysCalibrationId"] for i in sess["interactions"]) == ["gcal-1", "gcal-2"]


def test_without_a_lookup_the_retry_creates_again(client, settings, app):
    # Documented limit: if Genesys cannot list calibrations, a lost answer may duplicate one.
    fake = MemoryGenesys()
    fake.lose_next_create_answer, fake.list_supported = 1, False
    app.extensions["genesys"] = fake
    create(client, settings, mirrorToGenesys=True)
    drain(app, settings)
    assert len(fake.created) == 3
