"""Withdrawing coaching already delivered to Genesys (the fake, over HTTP) or to an LMS."""

from __future__ import annotations

import json
import time

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from werkzeug.wrappers import Request, Response

from service.coaching import rules
from service.coaching.models import CoachingAssignment
from service.db import get_db
from service.fakes.server import serving
from tests.fixtures_genesys import point_at_fake
from tests.jobs_helpers import settle

pytestmark = pytest.mark.sqlite_only  # the job path is the same on both backends


@pytest.fixture
def settings(settings, fake):
    return point_at_fake(settings, fake, genesys_max_retries=2)


# target -> (the fake's store, the state key, a state meaning "started")
TARGETS = {
    "genesys_learning": ("learning_assignments", "state", "InProgress"),
    "genesys_workitem": ("workitems", "statusCategory", "InProgress"),
    "genesys_coaching_appointment": ("appointments", "status", "InProgress"),
}


@pytest.fixture
def agent(fake):
    return next(u for u in fake.org.agents if fake.org.users[u]["state"] == "active")


def use_target(fake, put_policy, target):
    put_policy(
        form_id="*",
        weekly_cap=0,
        target=target,
        default_module_id=next(iter(fake.org.modules)),
        target_options={"workitem_type_id": next(iter(fake.org.worktypes))},
    )


def assign(client, auth, agent, evaluation_id="ev-1"):
    body = {"agentId": agent, "evaluationId": evaluation_id, "sectionId": "Empathy"}
    out = client.post("/data-actions/assign-coaching", json=body, headers=auth).get_json()
    assert out["decision"] == "assigned", out
    return out["assignmentId"]


def retract(client, auth, evaluation_id="ev-1", **kw):
    body = {"id": evaluation_id, "conversationId": "c1", "status": "Retracted", **kw}
    resp = client.post("/api/v1/events/genesys", json=body, headers=auth)
    assert resp.get_json()["decision"] == "withdrawn", resp.get_json()


def row(app, assignment_id):
    with get_db(app).session_scope() as s:
        a = s.get(CoachingAssignment, assignment_id)
        return a.status, a.close_reason, a.review_flag, a.external_id


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_delivered_and_not_started_is_removed_in_genesys_and_cancelled(
    app, client, auth, settings, fake, put_policy, agent, target
):
    use_target(fake, put_policy, target)
    assignment_id = assign(client, auth, agent)
    settle(app, settings)
    external = row(app, assignment_id)[3]
    store = getattr(fake, TARGETS[target][0])
    assert external in store
    retract(client, auth)
    counts = settle(app, settings)
    assert not counts.get("dead"), counts
    assert row(app, assignment_id)[:3] == ("cancelled", "evaluation_retracted", "")
    assert external not in store
    assert [d["id"] for d in fake.deleted] == [external]


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_delivered_and_started_is_flagged_and_left_in_genesys(
    app, client, auth, settings, fake, put_policy, agent, target
):
    use_target(fake, put_policy, target)
    assignment_id = assign(client, auth, agent)
    settle(app, settings)
    external = row(app, assignment_id)[3]
    store_name, key, started = TARGETS[target]
    getattr(fake, store_name)[external][key] = started  # the agent began in Genesys
    retract(client, auth, eventType="DELETE")
    settle(app, settings)
    assert row(app, assignment_id)[:3] == ("open", "", "evaluation_deleted")
    assert external in getattr(fake, store_name) and fake.deleted == []


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_already_gone_in_genesys_is_just_cancelled(
    app, client, auth, settings, fake, put_policy, agent, target
):
    use_target(fake, put_policy, target)
    assignment_id = assign(client, auth, agent)
    settle(app, settings)
    getattr(fake, TARGETS[target][0]).clear()  # someone deleted it in Genesys
    retract(client, auth)
    counts = settle(app, settings)
    assert not counts.get("dead"), counts
    assert row(app, assignment_id)[:2] == ("cancelled", "evaluation_retracted")


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_withdrawn_before_delivery_creates_nothing(
    app, client, auth, settings, fake, put_policy, agent, target
):
    use_target(fake, put_policy, target)
    assignment_id = assign(client, auth, agent)
    retract(client, auth)  # before the worker delivered it
    assert row(app, assignment_id)[:2] == ("cancelled", "evaluation_retracted")
    counts = settle(app, settings)
    assert not counts.get("dead"), counts
    assert not getattr(fake, TARGETS[target][0]) and fake.deleted == []


# --- the LMS -------------------------------------------------------------------------------

SECRET = "lms-shared-secret"


class Lms:
    """Accepts deliveries; answers withdrawals with ``withdraw_status`` (409: learner started)."""

    def __init__(self, withdraw_status):
        self.withdraw_status = withdraw_status
        self.events: list[dict] = []

    def __call__(self, environ, start_response):
        req = Request(environ)
        body = req.get_data()
        header = req.headers.get("X-QMLoop-Signature", "")
        if not rules.verify_lms_signature(SECRET, header, body, int(time.time())):
            return Response("bad signature", status=401)(environ, start_response)
        payload = json.loads(body)
        self.events.append({**payload, "key": req.headers["Idempotency-Key"]})
        if payload["event"] == "coaching.withdrawn":
            return Response("", status=self.withdraw_status)(environ, start_response)
        answer = json.dumps({"id": "lms-1"})
        return Response(answer, status=201, mimetype="application/json")(environ, start_response)


@pytest.mark.parametrize(
    ("answer", "state"), [(200, "cancelled"), (204, "cancelled"), (409, "open")]
)
def test_lms_is_told_and_its_answer_decides(
    app, client, auth, settings, put_policy, agent, answer, state
):
    put_policy(form_id="*", weekly_cap=0, target="lms_webhook")
    lms = Lms(answer)
    with serving(lms) as srv:
        settings.lms_webhook_url = f"{srv.url}/hooks"
        settings.lms_webhook_secret = SecretStr(SECRET)
        assignment_id = assign(client, auth, agent)
        settle(app, settings)
        retract(client, auth)
        settle(app, settings)
    withdrawn = lms.events[-1]
    assert withdrawn["event"] == "coaching.withdrawn"
    assert (withdrawn["reason"], withdrawn["externalId"]) == ("evaluation_retracted", "lms-1")
    assert withdrawn["key"] == "ev-1:withdrawn"
    status, close, flag, _ = row(app, assignment_id)
    assert status == state
    assert (close, flag) == (
        ("evaluation_retracted", "") if state == "cancelled" else ("", "evaluation_retracted")
    )


def test_lms_refusing_the_withdrawal_dead_letters_the_job(
    app, client, auth, settings, put_policy, agent
):
    put_policy(form_id="*", weekly_cap=0, target="lms_webhook")
    with serving(Lms(400)) as srv:
        settings.lms_webhook_url = f"{srv.url}/hooks"
        settings.lms_webhook_secret = SecretStr(SECRET)
        assignment_id = assign(client, auth, agent)
        settle(app, settings)
        retract(client, auth)
        counts = settle(app, settings)
    assert counts.get("dead") == 1
    assert row(app, assignment_id)[0] == "open"  # nothing decided: visible, re-playable


def test_withdrawn_assignments_are_listed_with_why(app, client, auth, settings, agent):
    assignment_id = assign(client, auth, agent)
    retract(client, auth)
    with get_db(app).session_scope() as s:
        (a,) = s.scalars(select(CoachingAssignment)).all()
        assert a.id == assignment_id
    got = client.get(f"/api/v1/assignments/{assignment_id}", headers=auth).get_json()
    assert (got["status"], got["closeReason"], got["closedAt"] is not None) == (
        "cancelled",
        "evaluation_retracted",
        True,
    )
