"""The LMS webhook target against a local receiver that verifies the signature."""

from __future__ import annotations

import json
import time

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from werkzeug.wrappers import Request, Response

from service.coaching import rules, service
from service.coaching.models import CoachingAssignment
from service.coaching.service import AssignRequest
from service.db import get_db
from service.fakes.server import serving
from service.jobs import service as jobs
from service.jobs.models import Job

SECRET = "lms-shared-secret"


class Receiver:
    """An LMS that checks ``X-QMLoop-Signature`` and answers from a script of statuses."""

    def __init__(self, statuses=(201,)):
        self.statuses = list(statuses)
        self.received: list[dict] = []
        self.rejected = 0

    def __call__(self, environ, start_response):
        req = Request(environ)
        body = req.get_data()
        header = req.headers.get("X-QMLoop-Signature", "")
        if not rules.verify_lms_signature(SECRET, header, body, int(time.time())):
            self.rejected += 1
            return Response("bad signature", status=401)(environ, start_response)
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        if status < 300:
            payload = json.loads(body)
            assert req.headers["Idempotency-Key"] == payload["evaluationId"]
            self.received.append(payload)
            answer = json.dumps({"id": f"lms-{len(self.received)}"})
            return Response(answer, status=status, mimetype="application/json")(
                environ, start_response
            )
        return Response("nope", status=status)(environ, start_response)


@pytest.fixture
def lms(app, settings, put_policy):
    put_policy(form_id="*", target="lms_webhook", sections={"Empathy": "course-empathy"})
    receiver = Receiver()
    with serving(receiver) as srv:
        settings.lms_webhook_url = f"{srv.url}/hooks/coaching"
        settings.lms_webhook_secret = SecretStr(SECRET)
        yield receiver


def assign(app, settings, evaluation_id="e1"):
    req = AssignRequest(
        agent_id="agent-1",
        evaluation_id=evaluation_id,
        section_id="g1",
        section_name="Empathy",
        percentage=61.5,
        evaluation_date="2026-11-20",
    )
    with get_db(app).session_scope() as s:
        return service.assign_coaching(s, settings=settings, genesys=None, request=req)


def test_signed_payload_delivered_once(app, settings, lms):
    res = assign(app, settings)
    assert (res.decision, res.target) == ("assigned", "lms_webhook")
    jobs.drain(app, settings)
    (payload,) = lms.received
    assert payload == {
        "event": "coaching.assigned",
        "assignmentId": res.assignment_id,
        "evaluationId": "e1",
        "conversationId": "",
        "agentId": "agent-1",
        "sectionId": "g1",
        "sectionName": "Empathy",
        "moduleId": "course-empathy",
        "percentage": 61.5,
        "dueDate": "2026-11-27",
    }
    assert lms.rejected == 0
    with get_db(app).session_scope() as s:
        a = s.get(CoachingAssignment, res.assignment_id)
        assert (a.delivery_state, a.external_id) == ("delivered", "lms-1")


def test_wrong_secret_is_rejected_by_the_receiver(app, settings, lms):
    settings.lms_webhook_secret = SecretStr("not-the-shared-one")
    assign(app, settings)
    jobs.drain(app, settings)
    assert lms.received == [] and lms.rejected == 1
    with get_db(app).session_scope() as s:
        (job,) = s.scalars(select(Job).where(Job.kind == "coaching.deliver"))
        assert job.state == "dead"  # a 401 is not retried


def test_5xx_is_retried_until_delivered(app, settings, lms):
    lms.statuses = [503, 500, 201]
    assign(app, settings)
    jobs.drain(app, settings)
    assert len(lms.received) == 1


def test_dead_letter_then_retry_completes(app, settings, lms):
    lms.statuses = [503]
    assign(app, settings)
    jobs.drain(app, settings)
    with get_db(app).session_scope() as s:
        (job,) = s.scalars(select(Job).where(Job.kind == "coaching.deliver"))
        assert job.state == "dead"
        job_id = job.id
    lms.statuses = [201]
    with get_db(app).session_scope() as s:
        jobs.retry(s, job_id=job_id)
    jobs.drain(app, settings)
    assert len(lms.received) == 1


def test_without_url_the_target_falls_back_to_local(app, settings, put_policy):
    put_policy(form_id="*", target="lms_webhook")
    res = assign(app, settings)
    assert (res.target, res.reason) == ("local", "lms_webhook_not_configured")


def test_dead_delivery_shows_as_failed_over_the_api(app, client, auth, settings, lms):
    lms.statuses = [400]
    res = assign(app, settings)
    jobs.drain(app, settings)
    one = client.get(f"/api/v1/assignments/{res.assignment_id}", headers=auth).get_json()
    assert one["deliveryState"] == "failed" and "400" in one["deliveryError"]
    failed = client.get("/api/v1/assignments?deliveryState=failed", headers=auth).get_json()
    assert [a["id"] for a in failed["assignments"]] == [res.assignment_id]
    pending = client.get("/api/v1/assignments?deliveryState=delivered", headers=auth).get_json()
    assert pending["assignments"] == []
    lms.statuses = [201]
    with get_db(app).session_scope() as s:
        jobs.retry_all_dead(s)
    jobs.drain(app, settings)
    one = client.get(f"/api/v1/assignments/{res.assignment_id}", headers=auth).get_json()
    assert (one["deliveryState"], one["deliveryError"]) == ("delivered", None)
    failed = client.get("/api/v1/assignments?deliveryState=failed", headers=auth).get_json()
    assert failed["assignments"] == []
