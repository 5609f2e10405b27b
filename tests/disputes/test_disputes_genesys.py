"""Against the fake Genesys over HTTP: the whole dispute flow, write-back faults, and races."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from service.coaching import rules as coaching_rules
from service.coaching.models import CoachingAssignment
from service.db import get_db, utcnow
from service.disputes import sync
from service.disputes.models import DisputeRound, Review
from service.fakes.genesys_scoring import score
from service.fakes.server import serving
from service.jobs import service as jobs
from service.jobs.models import Job
from tests.fixtures_genesys import point_at_fake
from tests.jobs_helpers import settle

from .helpers import bearer

BASE = "/api/v1/reviews"
EVAL_PATH = "/api/v2/quality/conversations/*/evaluations/*"


@pytest.fixture
def settings(settings, fake):
    """The shared test settings, pointed at the fake with tiny client backoffs."""
    return point_at_fake(settings, fake)


def choose(fake, below: float = 101.0):
    """A finished evaluation (total score under ``below``) of an active agent with a manager,
    and two answered questions with another option each: (evaluation, {questionId: answerId})."""
    for ev in fake.org.evaluations.values():
        agent = fake.org.users[ev["agent"]["id"]]
        if ev["status"] != "FINISHED" or agent["state"] != "active" or not agent.get("manager"):
            continue
        if ev["answers"]["totalScore"] >= below:
            continue
        form = fake.org.forms[ev["evaluationForm"]["id"]]
        options = {
            q["id"]: q["answerOptions"] for g in form["questionGroups"] for q in g["questions"]
        }
        other = {}
        for group in ev["answers"]["questionGroupScores"]:
            for qs in group["questionScores"]:
                alts = [o["id"] for o in options[qs["questionId"]] if o["id"] != qs.get("answerId")]
                if qs.get("answerId") and not qs.get("markedNA") and alts:
                    other[qs["questionId"]] = alts[0]
        if len(other) >= 2:
            return ev, dict(list(other.items())[:2])
    raise AssertionError("the sample org has no evaluation to dispute")


@pytest.fixture
def below():
    """Choose any evaluation (a test may override this to pick a low-scoring one)."""
    return 101.0


@pytest.fixture
def opened(app, client, settings, fake, below):
    """A review opened from Genesys (released an hour ago); returns (evaluation, changes, who)."""
    ev, changes = choose(fake, below)
    agent = ev["agent"]["id"]
    manager = fake.org.users[agent]["manager"]["id"]
    body = {"conversationId": ev["conversation"]["id"], "evaluationId": ev["id"]}
    resp = client.post(BASE, json=body, headers=bearer(settings, "admin", "admin-1"))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["supervisorId"] == manager
    with get_db(app).session_scope() as s:
        review = s.scalars(select(Review).where(Review.evaluation_id == ev["id"])).one()
        review.released_at = utcnow() - timedelta(hours=1)
    who = {
        "agent": bearer(settings, "agent", agent),
        "sup": bearer(settings, "supervisor", manager),
    }
    return ev, changes, who


def dispute_and_answer(client, ev, changes, who):
    """Dispute two questions; uphold the first, change the second."""
    (q1, _), (q2, new) = changes.items()
    reasons = {"questions": [{"questionId": q, "reason": "I disagree."} for q in (q1, q2)]}
    resp = client.post(f"{BASE}/{ev['id']}/disputes", json=reasons, headers=who["agent"])
    assert resp.status_code == 201, resp.get_json()
    answers = {
        "answers": [
            {"questionId": q1, "decision": "uphold", "comment": "Stands."},
            {"questionId": q2, "decision": "change", "answerId": new, "comment": "Fair point."},
        ]
    }
    resp = client.post(f"{BASE}/{ev['id']}/answers", json=answers, headers=who["sup"])
    assert resp.status_code == 200, resp.get_json()
    return q2, new


def versions(fake, evaluation_id):
    return requests.get(f"{fake.url}/__fake__/evaluations/{evaluation_id}/versions").json()[
        "entities"
    ]


def check_written(app, fake, ev, question, answer):
    """One new version with the changed answer and Genesys's own score; one re-triage."""
    kept = versions(fake, ev["id"])
    assert [(v["version"], v["status"]) for v in kept] == [(1, "RETRACTED"), (2, "FINISHED")]
    current = kept[-1]
    got = {
        q["questionId"]: q["answerId"]
        for g in current["answers"]["questionGroupScores"]
        for q in g["questionScores"]
    }
    assert got[question] == answer
    form = fake.org.forms[ev["evaluationForm"]["id"]]
    assert current["answers"]["totalScore"] == score(form, current["answers"])["totalScore"]
    with get_db(app).session_scope() as s:
        review = s.scalars(select(Review).where(Review.evaluation_id == ev["id"])).one()
        assert (review.genesys_version, review.writeback_state) == (2, "written")
        assert review.score == round(current["answers"]["totalScore"], 2)
        triage = s.scalars(select(Job).where(Job.kind == "coaching.triage")).all()
        assert [(j.idempotency_key, j.state) for j in triage] == [
            (f"coaching.triage:{ev['id']}:v2", "done")
        ]
        assert triage[0].payload["trigger"] == "dispute"


def test_full_flow_writes_a_new_version_and_retriages(app, client, settings, fake, opened):
    ev, changes, who = opened
    question, answer = dispute_and_answer(client, ev, changes, who)
    assert settle(app, settings)["errors"] == []
    resp = client.post(f"{BASE}/{ev['id']}/accept", headers=who["agent"])
    assert resp.status_code == 200 and resp.get_json()["reviewStatus"] == "Resolved"
    check_written(app, fake, ev, question, answer)
    assert fake.calls_to(EVAL_PATH, "PUT") == 1


@pytest.mark.parametrize("below", [50.0])
def test_the_coaching_of_the_earlier_version_is_withdrawn(app, client, auth, settings, fake,
                                                          opened):  # fmt: skip
    ev, changes, who = opened
    event = {"id": ev["id"], "conversationId": ev["conversation"]["id"], "status": "Finished",
             "agent": ev["agent"], "version": 1}  # fmt: skip
    assert client.post("/api/v1/events/genesys", json=event, headers=auth).status_code == 202
    assert settle(app, settings)["errors"] == []
    with get_db(app).session_scope() as s:
        first = s.scalars(select(CoachingAssignment)).one()
        assert (first.evaluation_version, first.status) == (1, "open")
    dispute_and_answer(client, ev, changes, who)
    assert settle(app, settings)["errors"] == []
    with get_db(app).session_scope() as s:
        rows = {a.evaluation_version: a for a in s.scalars(select(CoachingAssignment))}
        assert (rows[1].status, rows[1].close_reason) == ("cancelled", coaching_rules.SUPERSEDED)
        triage = s.scalars(
            select(Job).where(Job.idempotency_key == f"coaching.triage:{ev['id']}:v2")
        ).one()
        assert triage.state == "done" and triage.result["decision"] in ("assigned", "skipped")
        assert (2 in rows) == (triage.result["decision"] == "assigned")


@pytest.mark.parametrize("status", [429, 500, 503])
def test_write_back_outlasts_faults_and_writes_once(app, client, settings, fake, opened, status):
    ev, changes, who = opened
    question, answer = dispute_and_answer(client, ev, changes, who)
    # More failures than the client retries: the job is retried later, nothing is lost.
    fake.faults.fail_next(6, status=status, pattern=EVAL_PATH, retry_after=0)
    jobs.drain(app, settings)
    with get_db(app).session_scope() as s:
        job = s.scalars(select(Job).where(Job.kind == "disputes.writeback")).one()
        assert job.state == "queued" and job.attempts == 1
        job.run_at = utcnow()
    assert settle(app, settings)["errors"] == []
    check_written(app, fake, ev, question, answer)


def test_a_write_back_run_again_after_it_was_written_sends_nothing(app, client, settings, fake,
                                                                  opened):  # fmt: skip
    ev, changes, who = opened
    question, answer = dispute_and_answer(client, ev, changes, who)
    assert settle(app, settings)["errors"] == []
    puts = fake.calls_to(EVAL_PATH, "PUT")
    # The worker died after Genesys took the PUT but before its commit: the job runs again.
    with get_db(app).session_scope() as s:
        review = s.scalars(select(Review).where(Review.evaluation_id == ev["id"])).one()
        out = sync.write_back(s, genesys=app.extensions["genesys"], review_id=review.id,
                              round_number=1)  # fmt: skip
    assert out == {"state": "written", "version": 2, "sent": False}
    assert fake.calls_to(EVAL_PATH, "PUT") == puts
    check_written(app, fake, ev, question, answer)


def test_a_refused_write_back_is_dead_lettered_and_shown(app, client, settings, fake, opened):
    ev, changes, who = opened
    dispute_and_answer(client, ev, changes, who)
    fake.org.forms[ev["evaluationForm"]["id"]]["questionGroups"][0]["questions"] = []
    settle(app, settings)
    got = client.get(f"{BASE}/{ev['id']}", headers=who["agent"]).get_json()
    assert got["writebackState"] == "failed"
    assert len(versions(fake, ev["id"])) == 1


def hammer(url, headers, body, n=8):
    barrier = threading.Barrier(n)
    out: list = [None] * n

    def go(i):
        barrier.wait()
        out[i] = requests.post(url, json=body, headers=headers, timeout=60)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_simultaneous_disputes_and_answers_make_one_round(app, settings, fake, opened):
    ev, changes, who = opened
    (q1, _), (q2, new) = changes.items()
    reasons = {"questions": [{"questionId": q, "reason": "No."} for q in (q1, q2)]}
    answers = {
        "answers": [
            {"questionId": q1, "decision": "uphold", "comment": "Stands."},
            {"questionId": q2, "decision": "change", "answerId": new, "comment": "Changed."},
        ]
    }
    with serving(app) as srv:
        url = f"{srv.url}{BASE}/{ev['id']}"
        disputed = hammer(f"{url}/disputes", who["agent"], reasons)
        answered = hammer(f"{url}/answers", who["sup"], answers)
    assert sorted(r.status_code for r in disputed) == [201] + [409] * 7
    assert sorted(r.status_code for r in answered) == [200] + [409] * 7
    with get_db(app).session_scope() as s:
        assert s.scalar(select(func.count()).select_from(DisputeRound)) == 1
        kinds = s.scalars(select(Job.kind).where(Job.kind == "disputes.writeback")).all()
        assert kinds == ["disputes.writeback"]
        review = s.scalars(select(Review).where(Review.evaluation_id == ev["id"])).one()
        assert (review.rounds, review.status) == (1, "pending_agent_review")
