"""End to end against the fake Genesys over HTTP: events, the worker, targets, faults."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from service.coaching import rules
from service.coaching.models import ArchiveTask, CoachingAssignment
from service.db import get_db
from service.jobs import service as jobs
from service.jobs.models import Job
from tests.fixtures_genesys import point_at_fake
from tests.jobs_helpers import settle

pytestmark = pytest.mark.sqlite_only  # the worker path is the same on both; races are tested apart


@pytest.fixture
def settings(settings, fake):
    """The shared test settings, pointed at the fake with tiny client backoffs."""
    return point_at_fake(settings, fake)


@pytest.fixture
def workitem_policy(fake, put_policy):
    worktype = next(iter(fake.org.worktypes))
    put_policy(
        form_id="*",
        weekly_cap=0,
        target="genesys_workitem",
        target_options={"workitem_type_id": worktype},
    )
    return worktype


def expected(fake):
    """From the fake's org: what triage must do with each finished evaluation."""
    out = {"assign_keys": set(), "archive": set(), "pass": set()}
    for ev in fake.org.evaluations.values():
        if ev["status"] != "FINISHED":
            continue
        form = fake.org.forms[ev["evaluationForm"]["id"]]
        groups = rules.group_scores(ev, form)
        if rules.overall_percentage(groups)[1] <= 0:
            continue
        if rules.evaluation_percentage(ev, groups) >= 75:
            out["pass"].add(ev["id"])
            continue
        agent = fake.org.users[ev["agent"]["id"]]
        if agent["state"] != "active":
            out["archive"].add(ev["id"])
            continue
        weak = rules.weakest(groups)
        out["assign_keys"].add((agent["id"], rules.section_key(weak.id, weak.name)))
    return out


def post_all_events(client, auth, fake):
    topic = {
        "FINISHED": "Finished",
        "PENDING": "Pending",
        "INPROGRESS": "InProgress",
        "RETRACTED": "Retracted",
    }
    for ev in fake.org.evaluations.values():
        body = {
            "topicName": "v2.quality.evaluations",
            "eventBody": {
                "id": ev["id"],
                "conversationId": ev["conversation"]["id"],
                "evaluationFormId": ev["evaluationForm"]["id"],
                "status": topic[ev["status"]],
                "agent": {"id": ev["agent"]["id"]},
            },
        }
        resp = client.post("/api/v1/events/genesys", json=body, headers=auth)
        assert resp.status_code in (200, 202), resp.get_json()


def check_outcome(app, fake, want):
    with get_db(app).session_scope() as s:
        assignments = list(s.scalars(select(CoachingAssignment)))
        archives = list(s.scalars(select(ArchiveTask)))
    assert {(a.agent_id, a.section_key) for a in assignments} == want["assign_keys"]
    assert len(assignments) == len(want["assign_keys"])
    assert {a.evaluation_id for a in archives} == want["archive"]
    assert not {a.evaluation_id for a in assignments} & want["pass"]
    assert all(a.delivery_state == "delivered" for a in assignments)
    created = fake.created()["workitems"]
    tags = [w["externalTag"] for w in created]
    assert len(tags) == len(set(tags))  # never two workitems for one evaluation
    assert {w["externalTag"] for w in created if not w["externalTag"].startswith("archive:")} == {
        a.evaluation_id for a in assignments
    }
    for task in archives:
        if task.manager_id:
            assert f"archive:{task.evaluation_id}" in tags
    return assignments


def test_our_weighting_matches_the_fake_genesys_scoring(fake):
    checked = 0
    for ev in fake.org.evaluations.values():
        form = fake.org.forms[ev["evaluationForm"]["id"]]
        groups = rules.group_scores(ev, form)
        if not ev["answers"].get("questionGroupScores") or rules.overall_percentage(groups)[1] <= 0:
            continue
        ours = rules.evaluation_percentage(ev, groups)
        assert ours == pytest.approx(ev["answers"]["totalScore"], abs=0.01), ev["id"]
        checked += 1
    assert checked >= 20


def test_every_event_through_the_worker(app, client, auth, settings, fake, workitem_policy):
    want = expected(fake)
    assert want["assign_keys"] and want["archive"] and want["pass"]  # the org covers each path
    post_all_events(client, auth, fake)
    post_all_events(client, auth, fake)  # redelivery changes nothing
    counts = settle(app, settings)
    assert not counts.get("dead")
    check_outcome(app, fake, want)


def test_faults_still_end_in_exactly_one_assignment(
    app, client, auth, settings, fake, workitem_policy
):
    want = expected(fake)
    fake.faults.chaos(0.35, seed=7)
    post_all_events(client, auth, fake)
    settle(app, settings, timeout=180)
    fake.faults.clear()
    with get_db(app).session_scope() as s:
        dead = jobs.retry_all_dead(s)
    counts = settle(app, settings)
    assert not counts.get("dead"), counts
    check_outcome(app, fake, want)
    stats = app.extensions["genesys"].stats()
    assert stats["retries"] > 10 and stats["unavailable"] > 0  # the faults really bit
    print(
        f"chaos: {stats['retries']} client retries, {stats['unavailable']} gave up, "
        f"{dead} dead jobs replayed"
    )


def test_triage_data_action_queues_on_429_and_the_job_finishes(
    app, client, auth, settings, fake, workitem_policy
):
    ev = next(e for e in fake.org.evaluations.values() if e["status"] == "FINISHED")
    fake.faults.fail_next(10, status=429, retry_after=0, pattern="/api/v2/quality/*")
    body = {"evaluationId": ev["id"], "conversationId": ev["conversation"]["id"]}
    out = client.post("/data-actions/triage-evaluation", json=body, headers=auth).get_json()
    assert (out["decision"], out["reason"]) == ("queued", "genesys_unavailable")
    fake.faults.clear()
    settle(app, settings)
    again = client.post("/data-actions/triage-evaluation", json=body, headers=auth).get_json()
    assert again["decision"] in ("duplicate", "skipped", "agent_inactive")
    with get_db(app).session_scope() as s:
        (job,) = s.scalars(select(Job).where(Job.kind == "coaching.triage"))
        assert job.state == "done"


def test_inactive_agent_gets_manager_workitem(app, client, auth, settings, fake, workitem_policy):
    inactive = next(u for u in fake.org.users.values() if u["state"] == "inactive")
    body = {
        "agentId": inactive["id"],
        "evaluationId": "ev-x",
        "sectionId": "g",
        "sectionName": "Empathy",
    }
    out = client.post("/data-actions/assign-coaching", json=body, headers=auth).get_json()
    assert (out["decision"], out["reason"]) == ("agent_inactive", "agent_inactive")
    settle(app, settings)
    (item,) = fake.created()["workitems"]
    assert item["assignee"]["id"] == inactive["manager"]["id"]
    assert item["externalTag"] == "archive:ev-x"


def test_learning_and_appointment_targets_against_the_fake(
    app, client, auth, settings, fake, put_policy
):
    module = next(iter(fake.org.modules))
    put_policy(
        form_id="*",
        weekly_cap=0,
        target="genesys_learning",
        default_module_id=module,
        sections={"Compliance": {"target": "genesys_coaching_appointment"}},
    )
    agent = next(u for u in fake.org.users.values() if u["state"] == "active")
    for ev, section in (("ev-l", "Empathy"), ("ev-a", "Compliance")):
        body = {
            "agentId": agent["id"],
            "evaluationId": ev,
            "sectionId": section,
            "sectionName": section,
        }
        out = client.post("/data-actions/assign-coaching", json=body, headers=auth).get_json()
        assert out["decision"] == "assigned", out
    counts = settle(app, settings)
    assert not counts.get("dead"), counts
    created = fake.created()
    assert [a["module"]["id"] for a in created["learningAssignments"]] == [module]
    (appt,) = created["appointments"]
    assert "[qmloop:ev-a]" in appt["description"]


@pytest.mark.parametrize(
    "target,path,kind",
    [
        ("genesys_coaching_appointment", "/api/v2/coaching/appointments", "appointments"),
        ("genesys_learning", "/api/v2/learning/assignments", "learningAssignments"),
    ],
)
def test_lost_create_answer_is_delivered_once(
    app, client, auth, settings, fake, put_policy, target, path, kind
):
    """Genesys creates the object but the answer never arrives: the retry finds it, no twin."""
    settings.genesys_timeout_seconds = 0.3
    put_policy(
        form_id="*", weekly_cap=0, target=target, default_module_id=next(iter(fake.org.modules))
    )
    agent = next(u for u in fake.org.users.values() if u["state"] == "active")
    fake.faults.set_latency(0.8, pattern=path, n=1)
    body = {
        "agentId": agent["id"],
        "evaluationId": f"ev-lost-{kind}",
        "sectionId": "Empathy",
        "sectionName": "Empathy",
    }
    assert (
        client.post("/data-actions/assign-coaching", json=body, headers=auth).get_json()["decision"]
        == "assigned"
    )
    jobs.run_one(app, settings)  # first delivery: the answer is lost, the job is re-queued
    time.sleep(1.0)  # the fake finishes creating the object the client gave up on
    counts = settle(app, settings)
    assert not counts.get("dead"), counts
    assert len(fake.created()[kind]) == 1
    assert fake.calls_to(path, method="POST") == 1
