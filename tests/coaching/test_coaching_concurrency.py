"""Races over real HTTP: 32 simultaneous identical requests give exactly one of everything."""

from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import func, select

from service.coaching.models import CoachingAssignment, ProcessedEvent
from service.db import get_db
from service.fakes.server import serving
from service.jobs.models import Job
from service.jobs.service import drain

from .memory_genesys import make_evaluation, make_form

THREADS = 32


def hammer(url, auth, bodies):
    """POST every body at once (a barrier releases them together); returns the responses."""
    barrier = threading.Barrier(len(bodies))
    results: list = [None] * len(bodies)

    def go(i):
        barrier.wait()
        results[i] = requests.post(url, json=bodies[i], headers=auth, timeout=60)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def count(app, model, *where):
    with get_db(app).session_scope() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def workitems(put_policy, genesys):
    put_policy(form_id="*", target="genesys_workitem", target_options={"workitem_type_id": "t1"})
    return genesys


def test_identical_assign_requests_make_one_assignment(app, auth, settings, workitems):
    body = {
        "agentId": "agent-1",
        "evaluationId": "e1",
        "sectionId": "g1",
        "sectionName": "Greeting",
    }
    with serving(app) as srv:
        responses = hammer(f"{srv.url}/data-actions/assign-coaching", auth, [body] * THREADS)
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses][:3]
    decisions = [r.json()["decision"] for r in responses]
    assert decisions.count("assigned") == 1 and decisions.count("duplicate") == THREADS - 1
    assert len({r.json()["assignmentId"] for r in responses}) == 1
    assert count(app, CoachingAssignment) == 1
    assert count(app, Job, Job.kind == "coaching.deliver") == 1
    drain(app, settings)
    assert workitems.calls["create_workitem"] == 1


def test_same_agent_section_different_evaluations_one_open(app, auth, workitems):
    bodies = [
        {"agentId": "agent-1", "evaluationId": f"e{i}", "sectionId": "g1"} for i in range(THREADS)
    ]
    with serving(app) as srv:
        responses = hammer(f"{srv.url}/data-actions/assign-coaching", auth, bodies)
    decisions = [r.json()["decision"] for r in responses]
    assert decisions.count("assigned") == 1
    assert {r.json()["reason"] for r in responses if r.json()["decision"] == "duplicate"} == {
        "open_assignment_exists"
    }
    assert count(app, CoachingAssignment) == 1


def test_weekly_cap_holds_under_concurrency(app, auth, workitems):
    bodies = [
        {"agentId": "agent-1", "evaluationId": f"e{i}", "sectionId": f"s{i}"}
        for i in range(THREADS)
    ]
    with serving(app) as srv:
        responses = hammer(f"{srv.url}/data-actions/assign-coaching", auth, bodies)
    decisions = [r.json()["decision"] for r in responses]
    assert decisions.count("assigned") == 3  # QM_COACHING_WEEKLY_CAP default
    assert decisions.count("rate_limited") == THREADS - 3
    assert count(app, CoachingAssignment) == 3


def test_identical_events_make_one_assignment_and_one_call(app, auth, settings, workitems):
    workitems.forms["form-v1"] = make_form([("g1", "Greeting", 40), ("g2", "Resolution", 20)])
    workitems.evaluations["e1"] = make_evaluation("e1", [("g1", 1, 2), ("g2", 1, 1)])
    event = {"id": "e1", "conversationId": "c1", "status": "Finished", "agent": {"id": "agent-1"}}
    with serving(app) as srv:
        responses = hammer(f"{srv.url}/api/v1/events/genesys", auth, [event] * THREADS)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * (THREADS - 1) + [202]
    assert len({r.json()["jobId"] for r in responses}) == 1
    assert count(app, ProcessedEvent) == 1
    assert count(app, Job, Job.kind == "coaching.triage") == 1
    drain(app, settings)
    assert count(app, CoachingAssignment) == 1
    assert count(app, Job, Job.kind == "coaching.deliver") == 1
    assert workitems.calls["create_workitem"] == 1
    # Once for the triage, once for the agent's review (disputes.sync), never per event.
    assert workitems.calls["get_evaluation"] == 2
