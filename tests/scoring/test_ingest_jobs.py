"""The score-transcript data action, the event endpoint, jobs, audit and Genesys write-back."""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from service import create_app
from service.db import get_db
from service.jobs import service as jobs
from service.jobs.models import Job
from service.scoring import service as scoring
from service.scoring.models import ScoringCall, ScoringRequest
from service.scoring.prompt import PROMPTS
from tests.scoring.conftest import EXAMPLES, GOOD_TURNS
from tests.scoring.memory_genesys import MemoryGenesys

CONV = "conv-0001"
EVENTS = "/api/v1/scoring/events"


@pytest.fixture
def genesys():
    return MemoryGenesys()


@pytest.fixture
def scoring_app(settings, fake_llm, genesys):
    s = settings.model_copy(
        update={
            "scoring_scorecard": "genesys:3c2a9d10-ctx",
            "scoring_diarization_window_seconds": 0,
            "genesys_service_user_id": "svc-qa-user",
            "scoring_queue_coaching": False,  # the in-memory Genesys has no evaluations to read
        }
    )
    app = create_app(s)
    app.config["TESTING"] = True
    app.extensions["genesys"] = genesys
    app.extensions["llm"] = fake_llm.chat()
    yield app
    get_db(app).dispose()


def post(app, auth, body, path="/data-actions/score-transcript"):
    return app.test_client().post(path, json=body, headers=auth)


def drain(app):
    return jobs.drain(app, app.config["QM_SETTINGS"])


def row(app, request_id) -> ScoringRequest:
    with get_db(app).session_scope() as s:
        found = s.get(ScoringRequest, request_id)
        s.expunge(found)
        return found


def test_data_action_queues_scores_and_writes_back(scoring_app, auth, genesys):
    resp = post(scoring_app, auth, {"conversationId": CONV, "mediaType": "call"})
    assert resp.status_code == 200
    out = resp.get_json()
    assert out["status"] == "queued" and out["reason"] == "" and out["jobId"]
    assert drain(scoring_app) == {"done": 2}
    r = row(scoring_app, out["jobId"])
    assert r.status == "written" and r.evaluation_id == "eval-1" and r.percentage > 0
    assert (
        r.agent_id == "agent-user-1"
        and r.prompt_version.startswith("v3-")
        and r.model == "fake-judge"
    )
    assert r.prompt_tokens > 0 and r.latency_ms > 0
    assert r.result["language"] == "en-us"  # the transcript's, for agreement per language
    body = genesys.evaluations["eval-1"]
    assert body["evaluationForm"]["id"] == "7f0c1b9e-form-v1"
    assert body["evaluator"]["id"] == "svc-qa-user" and body["agent"]["id"] == "agent-user-1"
    assert body["answers"]["comments"].startswith("[Automated QA]")
    scores = {
        q["questionId"]: q
        for g in body["answers"]["questionGroupScores"]
        for q in g["questionScores"]
    }
    assert scores["q-verify"]["answerId"] == "a-ver-yes" and scores["q-verify"]["score"] == 2
    assert scores["q-disclosure"]["answerId"] == "a-disc-yes"
    assert all(isinstance(q["score"], int) for q in scores.values() if not q["markedNA"])
    assert all(len(q["comments"]) <= 480 for q in scores.values())
    with get_db(scoring_app).session_scope() as s:
        calls = list(s.scalars(select(ScoringCall)))
        assert len(calls) == 1 and calls[0].request["temperature"] == 0
        assert calls[0].response["choices"][0]["finish_reason"] == "stop"


def test_duplicate_deliveries_score_once(scoring_app, auth, genesys):
    first = post(scoring_app, auth, {"conversationId": CONV}).get_json()
    again = post(scoring_app, auth, {"conversationId": CONV}).get_json()
    assert again == {"jobId": first["jobId"], "status": "duplicate", "reason": "already_received"}
    drain(scoring_app)
    assert post(scoring_app, auth, {"conversationId": CONV}).get_json()["status"] == "duplicate"
    assert len(genesys.evaluations) == 1


def test_concurrent_identical_deliveries_make_one_request(scoring_app, auth):
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda _: post(scoring_app, auth, {"conversationId": "c-race"}), range(8))
        )
    statuses = sorted(a.get_json()["status"] for a in answers)
    assert all(a.status_code == 200 for a in answers)
    assert statuses.count("queued") == 1 and statuses.count("duplicate") == 7
    with get_db(scoring_app).session_scope() as s:
        assert s.scalar(select(func.count()).select_from(ScoringRequest)) == 1


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"abandoned": True}, "abandoned"),
        ({"durationSeconds": 29.9}, "too_short"),
        ({"transcriptStatus": "PROCESSING"}, "transcript_not_final"),
    ],
)
def test_policy_exclusions_are_skipped(scoring_app, auth, extra, reason):
    # richer interaction facts come through the event endpoint
    out = post(scoring_app, auth, {"conversationId": "c-x", **extra}, EVENTS).get_json()
    assert out["status"] == "skipped" and out["reason"] == reason


def test_test_queue_is_excluded(scoring_app, auth):
    scoring_app.config["QM_SETTINGS"] = scoring_app.config["QM_SETTINGS"].model_copy(
        update={"scoring_excluded_queues": ["QA Test Queue"]}
    )
    out = post(scoring_app, auth, {"conversationId": "c-y", "queueId": "qa test queue"}).get_json()
    assert out == {"jobId": out["jobId"], "status": "skipped", "reason": "internal_test_call"}
    by_name = {"conversationId": "c-z", "queueName": "QA Test Queue"}
    assert post(scoring_app, auth, by_name, EVENTS).get_json()["reason"] == "internal_test_call"


def test_diarization_window_delays_the_job(scoring_app, auth):
    scoring_app.config["QM_SETTINGS"] = scoring_app.config["QM_SETTINGS"].model_copy(
        update={"scoring_diarization_window_seconds": 90}
    )
    out = post(scoring_app, auth, {"conversationId": "c-late"}).get_json()
    assert drain(scoring_app) == {}  # nothing due yet: segments may still arrive
    with get_db(scoring_app).session_scope() as s:
        job = s.scalar(select(Job))
        gap = (job.run_at - job.created_at).total_seconds()
    assert 89 <= gap <= 91 and out["status"] == "queued"
    # a COMPLETE transcript event needs no wait
    done = post(
        scoring_app, auth, {"conversationId": "c-done", "transcriptStatus": "COMPLETE"}, EVENTS
    )
    assert done.get_json()["status"] == "queued"
    assert drain(scoring_app).get("done") == 2


def test_transcript_not_ready_retries_then_scores(scoring_app, auth, genesys):
    genesys.transcript_ready = False
    out = post(scoring_app, auth, {"conversationId": CONV}).get_json()
    assert jobs.run_one(scoring_app, scoring_app.config["QM_SETTINGS"]) == "queued"
    genesys.transcript_ready = True
    drain(scoring_app)
    assert row(scoring_app, out["jobId"]).status == "written"


def test_refused_content_is_needs_review_and_not_written(scoring_app, auth, genesys, fake_llm):
    fake_llm.set_mode("refusal")
    out = post(scoring_app, auth, {"conversationId": CONV}).get_json()
    drain(scoring_app)
    r = row(scoring_app, out["jobId"])
    assert r.status == "needs_review" and r.review_reasons == ["llm_refusal"]
    assert r.percentage is None and not genesys.evaluations


def test_llm_outage_retries_then_needs_review(scoring_app, auth, fake_llm, genesys):
    scoring_app.extensions["llm"] = fake_llm.chat(max_retries=0)
    fake_llm.set_mode("server_error")
    out = post(scoring_app, auth, {"conversationId": CONV}).get_json()
    assert drain(scoring_app) == {"queued": 3, "done": 1}
    r = row(scoring_app, out["jobId"])
    assert r.status == "needs_review" and r.review_reasons == ["llm_unavailable"]


def _v2_form(genesys, rename=True):
    form = copy.deepcopy(genesys.form)
    form["id"] = "7f0c1b9e-form-v2"
    if rename:
        for g in form["questionGroups"]:
            for q in g["questions"]:
                q["id"] += "-v2"
                for a in q["answerOptions"]:
                    a["id"] += "-v2"
    return form


def test_form_published_between_scoring_and_writeback_is_rescored(scoring_app, auth, genesys):
    out = post(scoring_app, auth, {"conversationId": CONV}).get_json()
    settings = scoring_app.config["QM_SETTINGS"]
    assert jobs.run_one(scoring_app, settings) == "done"  # scored against v1
    genesys.publish(_v2_form(genesys))
    PROMPTS.invalidate()
    drain(scoring_app)
    r = row(scoring_app, out["jobId"])
    assert r.status == "written" and r.scorecard_version == "7f0c1b9e-form-v2"
    body = genesys.evaluations[r.evaluation_id]
    assert body["evaluationForm"]["id"] == "7f0c1b9e-form-v2"
    ids = {
        q["questionId"] for g in body["answers"]["questionGroupScores"] for q in g["questionScores"]
    }
    assert ids == {"q-greeting-v2", "q-disclosure-v2", "q-verify-v2", "q-close-v2"}
    with get_db(scoring_app).session_scope() as s:
        assert s.scalar(select(func.count()).select_from(ScoringCall)) == 2  # scored twice


def test_new_form_version_is_a_new_idempotency_key(scoring_app, auth, genesys):
    first = post(scoring_app, auth, {"conversationId": CONV}).get_json()
    genesys.publish(_v2_form(genesys, rename=False))
    second = post(scoring_app, auth, {"conversationId": CONV}).get_json()
    assert second["status"] == "queued" and second["jobId"] != first["jobId"]


def test_create_falls_back_to_put_finished(scoring_app, auth, genesys):
    genesys.create_status = "INPROGRESS"
    out = post(scoring_app, auth, {"conversationId": CONV}).get_json()
    drain(scoring_app)
    r = row(scoring_app, out["jobId"])
    assert ("update_evaluation", r.evaluation_id) in genesys.calls
    assert genesys.evaluations[r.evaluation_id]["status"] == "FINISHED"


def test_rejected_create_is_needs_review_with_the_body_kept(scoring_app, auth, genesys):
    genesys.fail_create = 422
    out = post(scoring_app, auth, {"conversationId": CONV}).get_json()
    drain(scoring_app)
    r = row(scoring_app, out["jobId"])
    assert r.status == "needs_review" and r.reason == "writeback_rejected: 422"
    assert r.writeback_request["evaluator"]["id"] == "svc-qa-user"


def test_writeback_retry_reuses_the_idempotency_key(scoring_app, auth, genesys):
    out = post(scoring_app, auth, {"conversationId": CONV}).get_json()
    settings = scoring_app.config["QM_SETTINGS"]
    jobs.run_one(scoring_app, settings)
    genesys.unavailable = 1  # the write-back's first Genesys call fails
    assert jobs.run_one(scoring_app, settings) == "queued"
    drain(scoring_app)
    keys = [arg for name, arg in genesys.calls if name == "create_evaluation"]
    assert len(set(keys)) == 1 and row(scoring_app, out["jobId"]).status == "written"


def test_event_endpoint_with_inline_transcript_and_notification_shape(app, auth, fake_llm):
    app.config["QM_SETTINGS"] = app.config["QM_SETTINGS"].model_copy(
        update={"scoring_scorecard": str(EXAMPLES / "scorecards" / "retail_support.yaml")}
    )
    app.extensions["llm"] = fake_llm.chat()
    transcript = {"turns": [{"speaker": s, "text": t} for s, t in GOOD_TURNS]}
    resp = post(
        app,
        auth,
        {"eventBody": {"conversationId": "c-ev"}, "transcript": transcript},
        "/api/v1/scoring/events",
    )
    out = resp.get_json()
    assert resp.status_code == 200 and out["status"] == "queued"
    assert drain(app) == {"done": 1}
    got = app.test_client().get(f"/api/v1/scoring/requests/{out['jobId']}", headers=auth).get_json()
    assert got["status"] == "scored" and got["attempts"] == 1 and got["result"]["items"]
    assert got["evaluationId"] == ""  # YAML scorecards are not written to Genesys
    bad = post(app, auth, {"eventBody": {"x": 1}}, "/api/v1/scoring/events")
    assert bad.status_code == 400 and bad.get_json()["code"] == "validation_error"
    unreadable = {"conversationId": "c-2", "transcript": {"turns": [{"speaker": "alien"}]}}
    bad = post(app, auth, unreadable, "/api/v1/scoring/events")
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "transcript"


def test_no_scorecard_is_a_skip_not_an_error(app, auth):
    out = post(app, auth, {"conversationId": "c-1"}).get_json()
    assert out == {"jobId": "", "status": "skipped", "reason": "scorecard_unavailable"}


def test_reconcile_requeues_dead_scoring_jobs(scoring_app, auth, genesys):
    genesys.transcript_ready = False
    post(scoring_app, auth, {"conversationId": CONV})
    drain_all = drain(scoring_app)
    assert drain_all.get("dead") == 1
    with get_db(scoring_app).session_scope() as s:
        assert scoring.reconcile(s, max_age_days=7) == 1
    genesys.transcript_ready = True
    assert drain(scoring_app).get("done") == 2


def test_a_transcript_that_just_ended_waits_out_diarization(scoring_app, auth, genesys):
    import time

    now_ms = int(time.time() * 1000)
    for tr in genesys.transcript["transcripts"]:
        for i, phrase in enumerate(tr["phrases"]):
            phrase["startTimeMs"] = now_ms - 30_000 + i * 1000
    scoring_app.config["QM_SETTINGS"] = scoring_app.config["QM_SETTINGS"].model_copy(
        update={"scoring_diarization_window_seconds": 90}
    )
    body = {"conversationId": CONV, "transcriptStatus": "COMPLETE"}
    out = post(scoring_app, auth, body, EVENTS).get_json()
    assert jobs.run_one(scoring_app, scoring_app.config["QM_SETTINGS"]) == "queued"
    with get_db(scoring_app).session_scope() as s:
        job = s.scalar(select(Job).where(Job.kind == "scoring.score"))
        assert "diarization" in job.last_error
        assert 60 <= (job.run_at - job.updated_at).total_seconds() <= 91
    assert row(scoring_app, out["jobId"]).status == "queued"
