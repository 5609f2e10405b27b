"""End to end over HTTP: fake Genesys (transcripts, published forms, evaluations) + fake LLM."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service import create_app
from service.db import get_db
from service.fakes.genesys import FakeGenesys
from service.jobs import service as jobs
from service.scoring.models import ScoringCall, ScoringRequest
from tests.fixtures_genesys import close_app, point_at_fake


def _care_form(fake: FakeGenesys) -> dict:
    forms = [f for f in fake.org.forms.values() if f["name"] == "Customer Care Standard"]
    return max(forms, key=lambda f: f["modifiedDate"])


@pytest.fixture
def e2e_app(settings, fake, fake_llm):
    form = _care_form(fake)
    s = point_at_fake(
        settings,
        fake,
        genesys_service_user_id=fake.org.evaluators[0],
        scoring_scorecard=f"genesys:{form['id']}",
        scoring_diarization_window_seconds=0,
        scoring_min_duration_seconds=0,
        scoring_min_turns=2,
        scoring_asr_confidence_floor=0.0,
    )
    app = create_app(s)
    assert app.extensions["genesys"] is not None  # the real HTTP client
    app.extensions["llm"] = fake_llm.chat()
    yield app
    close_app(app)


def _conversation(fake: FakeGenesys, media: str) -> dict:
    return next(c for c in fake.org.conversations.values() if c["_mediaType"] == media)


@pytest.mark.parametrize("media", ["chat", "voice"])
def test_score_and_write_back_through_fake_genesys(e2e_app, fake, auth, media):
    conv = _conversation(fake, media)
    resp = e2e_app.test_client().post(
        "/data-actions/score-transcript",
        json={"conversationId": conv["id"], "mediaType": media},
        headers=auth,
    )
    out = resp.get_json()
    assert resp.status_code == 200 and out["status"] == "queued", out
    drained = jobs.drain(e2e_app, e2e_app.config["QM_SETTINGS"])
    with get_db(e2e_app).session_scope() as s:
        errors = [j.last_error for j in jobs.list_jobs(s) if j.last_error]
    # score, write back, coaching triage, the insights snapshot of the written evaluation
    assert drained == {"done": 4}, errors
    with get_db(e2e_app).session_scope() as s:
        row = s.get(ScoringRequest, out["jobId"])
        assert row.status == "written", (row.status, row.reason)
        assert row.agent_id == conv["_agentId"]
        evaluation = fake.org.evaluations[row.evaluation_id]
    assert evaluation["status"] == "FINISHED"
    assert evaluation["evaluator"]["id"] == fake.org.evaluators[0]
    assert evaluation["agent"]["id"] == conv["_agentId"]
    assert evaluation["evaluationForm"]["id"] == _care_form(fake)["id"]
    assert evaluation["answers"]["comments"].startswith("[Automated QA]")
    # the fake computed the scoring set from our answer ids: they matched the form
    assert evaluation["answers"]["totalScore"] is not None
    # the written evaluation flows into coaching like any other finished evaluation
    with get_db(e2e_app).session_scope() as s:
        triage = jobs.list_jobs(s, kind="coaching.triage")
        assert len(triage) == 1 and triage[0].state == "done"
        assert triage[0].payload["evaluation_id"] == row.evaluation_id
        assert triage[0].payload["trigger"] == "automated_qa"
        assert triage[0].result["decision"] in ("assigned", "skipped", "duplicate", "rate_limited")


def test_duplicate_delivery_and_replayed_writeback_create_one_evaluation(e2e_app, fake, auth):
    conv = _conversation(fake, "chat")
    client = e2e_app.test_client()
    body = {"conversationId": conv["id"], "communicationId": conv["_communicationId"]}
    first = client.post("/data-actions/score-transcript", json=body, headers=auth).get_json()
    second = client.post("/data-actions/score-transcript", json=body, headers=auth).get_json()
    assert second["status"] == "duplicate" and second["jobId"] == first["jobId"]
    jobs.drain(e2e_app, e2e_app.config["QM_SETTINGS"])
    created = [
        eid
        for eid in fake.created_evaluations
        if fake.org.evaluations[eid]["conversation"]["id"] == conv["id"]
    ]
    assert len(created) == 1
    # replaying the write-back job (a retry after a lost answer) reuses the Idempotency-Key
    with get_db(e2e_app).session_scope() as s:
        row = s.get(ScoringRequest, first["jobId"])
        row.status = "scored"
        wb = next(j for j in jobs.list_jobs(s, kind="scoring.writeback"))
        wb.state = "dead"
        s.flush()
        jobs.retry(s, job_id=wb.id)
    jobs.drain(e2e_app, e2e_app.config["QM_SETTINGS"])
    assert len([e for e in fake.created_evaluations if e in created]) == 1
    assert len(fake.created_evaluations) == 1


def test_form_changed_in_place_is_rescored_before_writing(e2e_app, fake, auth):
    conv = _conversation(fake, "chat")
    client = e2e_app.test_client()
    out = client.post(
        "/data-actions/score-transcript", json={"conversationId": conv["id"]}, headers=auth
    ).get_json()
    settings = e2e_app.config["QM_SETTINGS"]
    assert jobs.run_one(e2e_app, settings) == "done"  # scored against the form as it was
    form = _care_form(fake)
    question = form["questionGroups"][0]["questions"][0]
    question["id"] += "-new"  # an admin's change: the old question id is gone
    jobs.drain(e2e_app, settings)
    with get_db(e2e_app).session_scope() as s:
        row = s.get(ScoringRequest, out["jobId"])
        assert row.status == "written", row.reason
        sent = row.writeback_request
        calls = s.scalars(select(ScoringCall).where(ScoringCall.request_id == row.id)).all()
    assert len(calls) == 2  # scored, then re-scored against the changed form
    sent_ids = {
        q["questionId"] for g in sent["answers"]["questionGroupScores"] for q in g["questionScores"]
    }
    assert question["id"] in sent_ids and question["id"][: -len("-new")] not in sent_ids
