"""assign_coaching and friends, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from service.coaching import service, triage
from service.coaching.models import ArchiveTask, CoachingAssignment
from service.coaching.service import AssignRequest
from service.db import get_db
from service.jobs.models import Job
from service.jobs.service import drain

from .memory_genesys import make_evaluation, make_form

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def assign(app, settings, genesys=None, now=None, **kw):
    req = AssignRequest(**{"agent_id": "agent-1", "section_id": "g1", **kw})
    with get_db(app).session_scope() as s:
        return service.assign_coaching(s, settings=settings, genesys=genesys, request=req, now=now)


def count(app, model=CoachingAssignment, *where):
    with get_db(app).session_scope() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_assign_local_then_duplicate(app, settings):
    first = assign(app, settings, evaluation_id="e1", evaluation_date="2026-11-20")
    assert (first.decision, first.reason, first.target) == ("assigned", "below_threshold", "local")
    assert first.due_date == "2026-11-27"  # Friday + 5 business days
    again = assign(app, settings, evaluation_id="e1", evaluation_date="2026-11-20")
    assert (again.decision, again.reason, again.assignment_id) == (
        "duplicate",
        "evaluation_already_assigned",
        first.assignment_id,
    )
    assert count(app) == 1
    assert count(app, Job) == 0  # local target: nothing to deliver


def test_second_open_assignment_same_section_refused(app, settings):
    a = assign(app, settings, evaluation_id="e1", section_name="Empathy")
    b = assign(
        app, settings, evaluation_id="e2", section_id="g-other-version", section_name="empathy"
    )
    assert (b.decision, b.reason, b.assignment_id) == (
        "duplicate",
        "open_assignment_exists",
        a.assignment_id,
    )
    c = assign(app, settings, evaluation_id="e3", section_id="g2", section_name="Compliance")
    assert c.decision == "assigned"


def test_closed_assignment_allows_a_new_one(app, settings):
    a = assign(app, settings, evaluation_id="e1")
    with get_db(app).session_scope() as s:
        s.get(CoachingAssignment, a.assignment_id).status = "completed"
    assert assign(app, settings, evaluation_id="e2").decision == "assigned"


@pytest.mark.parametrize(("existing", "decision"), [(2, "assigned"), (3, "rate_limited")])
def test_weekly_cap_n_minus_one_and_n(app, settings, existing, decision):
    for i in range(existing):
        assign(
            app, settings, evaluation_id=f"old{i}", section_id=f"s{i}", now=NOW - timedelta(days=1)
        )
    res = assign(app, settings, evaluation_id="new", section_id="fresh", now=NOW)
    assert res.decision == decision
    if decision == "rate_limited":
        assert res.reason == "weekly_cap_reached" and res.assignment_id == ""


@pytest.mark.parametrize(
    ("age", "decision"),
    [
        (timedelta(days=7) - timedelta(seconds=1), "rate_limited"),
        (timedelta(days=7), "assigned"),
        (timedelta(days=7, seconds=1), "assigned"),
    ],
)
def test_weekly_cap_window_edges(app, settings, age, decision):
    for i in range(3):
        assign(app, settings, evaluation_id=f"old{i}", section_id=f"s{i}", now=NOW - age)
    assert assign(app, settings, evaluation_id="new", section_id="x", now=NOW).decision == decision


def test_cap_n_plus_one_stays_limited(app, settings):
    for i in range(3):
        assign(app, settings, evaluation_id=f"old{i}", section_id=f"s{i}", now=NOW)
    results = [
        assign(app, settings, evaluation_id=f"n{i}", section_id=f"n{i}", now=NOW) for i in range(2)
    ]
    assert [r.decision for r in results] == ["rate_limited", "rate_limited"]
    assert count(app) == 3


def test_policy_cap_and_threshold_override_settings(app, settings, put_policy):
    put_policy(form_id="*", weekly_cap=1, threshold=60)
    assert (
        assign(app, settings, evaluation_id="a", section_id="s1", percentage=59.99).decision
        == "assigned"
    )
    assert assign(app, settings, evaluation_id="b", section_id="s2").decision == "rate_limited"
    assert (
        assign(app, settings, evaluation_id="c", section_id="s3", percentage=60).reason
        == "meets_threshold"
    )


def test_due_date_uses_policy_days_and_holidays(app, settings, put_policy):
    put_policy(form_id="f1", due_business_days=2, holidays=["2026-12-25"])
    res = assign(
        app, settings, evaluation_id="e", form_id="f1", evaluation_date="2026-12-24T16:00:00Z"
    )
    assert res.due_date == "2026-12-29"


def test_bad_evaluation_date_is_invalid_input(app, settings):
    from service.errors import InvalidInput

    with pytest.raises(InvalidInput):
        assign(app, settings, evaluation_id="e", evaluation_date="next tuesday")


def test_genesys_target_without_genesys_falls_back_to_local(app, settings, put_policy):
    put_policy(form_id="*", target="genesys_workitem", target_options={"workitem_type_id": "t1"})
    res = assign(app, settings, evaluation_id="e1")
    assert (res.target, res.reason) == ("local", "genesys_not_configured")


def test_workitem_target_enqueues_one_delivery(app, settings, genesys, put_policy):
    put_policy(form_id="*", target="genesys_workitem", target_options={"workitem_type_id": "t1"})
    res = assign(app, settings, genesys, evaluation_id="e1", section_name="Empathy")
    assert (res.decision, res.target) == ("assigned", "genesys_workitem")
    assert count(app, Job, Job.kind == "coaching.deliver") == 1
    drain(app, settings)
    assert len(genesys.workitems) == 1
    item = genesys.workitems[0]
    assert (
        item["externalTag"] == "e1" and item["typeId"] == "t1" and item["assigneeId"] == "agent-1"
    )
    with get_db(app).session_scope() as s:
        a = s.get(CoachingAssignment, res.assignment_id)
        assert (a.delivery_state, a.external_id) == ("delivered", item["id"])


def test_workitem_delivery_after_crash_does_not_create_twice(app, settings, genesys, put_policy):
    put_policy(form_id="*", target="genesys_workitem", target_options={"workitem_type_id": "t1"})
    res = assign(app, settings, genesys, evaluation_id="e1")
    # The call went out but the commit was lost: the workitem exists, the row says pending.
    genesys.create_workitem({"externalTag": "e1", "name": "earlier attempt"})
    drain(app, settings)
    assert len(genesys.workitems) == 1
    with get_db(app).session_scope() as s:
        assert (
            s.get(CoachingAssignment, res.assignment_id).external_id == genesys.workitems[0]["id"]
        )


def test_learning_target_reuses_open_assignment(app, settings, genesys, put_policy):
    put_policy(form_id="*", target="genesys_learning", sections={"Empathy": "mod-empathy"})
    genesys.learning.append(
        {"id": "L0", "userId": "agent-1", "moduleId": "mod-empathy", "state": "Assigned"}
    )
    res = assign(app, settings, genesys, evaluation_id="e1", section_name="Empathy")
    drain(app, settings)
    assert genesys.calls.get("create_learning_assignment", 0) == 0
    with get_db(app).session_scope() as s:
        assert s.get(CoachingAssignment, res.assignment_id).external_id == "L0"


def test_learning_target_creates_with_module_and_due_date(app, settings, genesys, put_policy):
    put_policy(form_id="*", target="genesys_learning", default_module_id="mod-general")
    assign(app, settings, genesys, evaluation_id="e1", evaluation_date="2026-11-20")
    drain(app, settings)
    (created,) = genesys.learning
    assert created["moduleId"] == "mod-general"
    assert created["recommendedCompletionDate"].startswith("2026-11-27")


def test_appointment_target_books_good_slot_once(app, settings, genesys, put_policy):
    put_policy(form_id="*", target="genesys_coaching_appointment")
    res = assign(app, settings, genesys, evaluation_id="e1", conversation_id="c1")
    drain(app, settings)
    (appt,) = genesys.appointments
    assert appt["dateStart"] == "2026-11-24T10:00:00Z" and "[qmloop:e1]" in appt["description"]
    # A replayed delivery finds the marker instead of booking again.
    with get_db(app).session_scope() as s:
        s.get(CoachingAssignment, res.assignment_id).delivery_state = "pending"
    from service.jobs.service import enqueue

    with get_db(app).session_scope() as s:
        enqueue(s, "coaching.deliver", {"assignment_id": res.assignment_id}, key="again")
    drain(app, settings)
    assert len(genesys.appointments) == 1


def test_delivery_retries_on_genesys_unavailable(app, settings, genesys, put_policy):
    put_policy(form_id="*", target="genesys_workitem", target_options={"workitem_type_id": "t1"})
    assign(app, settings, genesys, evaluation_id="e1")
    genesys.fail_next["create_workitem"] = 2
    drain(app, settings)
    assert len(genesys.workitems) == 1
    with get_db(app).session_scope() as s:
        (job,) = s.scalars(select(Job).where(Job.kind == "coaching.deliver"))
        assert (job.state, job.attempts) == ("done", 3)


@pytest.mark.parametrize("state", ["inactive", "deleted"])
def test_inactive_agent_gets_archive_task_for_manager(app, settings, genesys, put_policy, state):
    put_policy(form_id="*", target_options={"workitem_type_id": "t1"})
    genesys.users["agent-1"] = {"id": "agent-1", "state": state, "manager": {"id": "boss"}}
    res = assign(app, settings, genesys, evaluation_id="e1", section_name="Empathy")
    assert (res.decision, res.reason, res.assignment_id) == ("agent_inactive", f"agent_{state}", "")
    assert count(app) == 0
    drain(app, settings)
    (item,) = genesys.workitems
    assert item["assigneeId"] == "boss" and item["externalTag"] == "archive:e1"
    again = assign(app, settings, genesys, evaluation_id="e1")
    assert again.decision == "agent_inactive"
    assert count(app, ArchiveTask) == 1 and len(genesys.workitems) == 1


def test_inactive_agent_without_workitems_gets_local_archive_record(app, settings, genesys):
    genesys.users["agent-1"] = {"id": "agent-1", "state": "inactive", "manager": {"id": "boss"}}
    res = assign(app, settings, genesys, evaluation_id="e1")
    assert (res.decision, res.target) == ("agent_inactive", "local")
    with get_db(app).session_scope() as s:
        (task,) = s.scalars(select(ArchiveTask))
        assert (task.manager_id, task.delivery_state) == ("boss", "local")
    assert count(app, Job) == 0


def test_assign_queues_when_genesys_cannot_check_the_agent(app, settings, genesys):
    genesys.fail_next["get_user"] = 1
    res = assign(app, settings, genesys, evaluation_id="e1")
    assert (res.decision, res.reason) == ("queued", "genesys_unavailable")
    assert count(app) == 0
    drain(app, settings)
    assert count(app) == 1


def test_check_duplicate(app, settings):
    assign(app, settings, evaluation_id="e1", section_id="g1", section_name="Empathy")
    with get_db(app).session_scope() as s:
        by_eval = service.check_duplicate(s, agent_id="x", section_id="zz", evaluation_id="e1")
        by_section = service.check_duplicate(s, agent_id="agent-1", section_id="g1")
        by_name = service.check_duplicate(s, agent_id="agent-1", section_id="EMPATHY")
        other = service.check_duplicate(s, agent_id="agent-2", section_id="g1")
    assert (by_eval.duplicate, by_eval.reason) == (True, "evaluation_already_assigned")
    assert (by_section.duplicate, by_section.reason) == (True, "open_assignment_exists")
    assert by_name.duplicate
    assert (other.duplicate, other.reason, other.existingAssignmentId) == (
        False,
        "no_open_assignment",
        "",
    )


def seed_eval(genesys, evaluation_id="e1", scores=((("g1", 1, 2)), ("g2", 1, 1)), **kw):
    genesys.forms["form-v1"] = make_form([("g1", "Greeting", 40), ("g2", "Resolution", 20)])
    genesys.evaluations[evaluation_id] = make_evaluation(evaluation_id, list(scores), **kw)


def run_triage(app, settings, genesys, evaluation_id="e1", **kw):
    with get_db(app).session_scope() as s:
        return triage.triage_evaluation(
            s,
            settings=settings,
            genesys=genesys,
            evaluation_id=evaluation_id,
            conversation_id="c1",
            **kw,
        )


def test_triage_assigns_weakest_section_of_60_percent_example(app, settings, genesys, put_policy):
    put_policy(form_id="form-v1", sections={"Greeting": "mod-greeting"})
    seed_eval(genesys)
    res = run_triage(app, settings, genesys)
    assert (res.decision, res.percentage, res.section_id, res.section_name) == (
        "assigned",
        60.0,
        "g1",
        "Greeting",
    )
    assert res.due_date == "2026-11-27"
    with get_db(app).session_scope() as s:
        a = s.get(CoachingAssignment, res.assignment_id)
        assert (a.module_id, a.conversation_id, a.trigger) == ("mod-greeting", "c1", "triage")


@pytest.mark.parametrize(
    ("threshold", "decision", "reason"),
    [
        (60.01, "assigned", "below_threshold"),
        (60, "skipped", "meets_threshold"),
        (59.99, "skipped", "meets_threshold"),
    ],
)
def test_triage_threshold_boundary(app, settings, genesys, put_policy, threshold, decision, reason):
    put_policy(form_id="form-v1", threshold=threshold)
    seed_eval(genesys)
    res = run_triage(app, settings, genesys)
    assert (res.decision, res.reason, res.percentage) == (decision, reason, 60.0)


def test_triage_skips(app, settings, genesys):
    seed_eval(genesys, "pending", status="INPROGRESS")
    seed_eval(genesys, "zero", scores=[("g1", 0, 0)])
    assert run_triage(app, settings, genesys, "pending").reason == "not_final"
    assert run_triage(app, settings, genesys, "zero").reason == "zero_total_points"
    assert run_triage(app, settings, genesys, "missing").reason == "evaluation_not_found"
    assert run_triage(app, settings, genesys, "x", status="Pending").reason == "not_final"
    assert run_triage(app, settings, None, "x").reason == "genesys_not_configured"


def test_triage_queues_when_genesys_is_down_and_job_finishes(app, settings, genesys):
    seed_eval(genesys)
    genesys.fail_next["get_evaluation"] = 2
    res = run_triage(app, settings, genesys)
    assert (res.decision, res.reason) == ("queued", "genesys_unavailable")
    drain(app, settings)
    assert count(app) == 1


def test_appointment_conflict_tries_the_next_slot(app, settings, genesys, put_policy):
    from service.genesys.api import GenesysError

    put_policy(form_id="*", target="genesys_coaching_appointment")
    original = genesys.create_coaching_appointment
    refused = []

    def create(body):
        if not refused:
            refused.append(body["dateStart"])
            raise GenesysError("overlap", upstream_status=409, body={"code": "conflict"})
        return original(body)

    genesys.create_coaching_appointment = create
    assign(app, settings, genesys, evaluation_id="e1")
    drain(app, settings)
    assert refused == ["2026-11-24T10:00:00Z"]  # the Good slot was tried first
    assert [a["dateStart"] for a in genesys.appointments] == ["2026-11-24T09:00:00Z"]


@pytest.mark.parametrize(("open_now", "decision"), [(1, "assigned"), (2, "rate_limited")])
def test_max_open_assignments_per_agent(app, settings, put_policy, open_now, decision):
    put_policy(form_id="*", max_open=2, weekly_cap=0)
    old = NOW - timedelta(days=30)
    closed = assign(app, settings, evaluation_id="done", section_id="sx", now=old)
    with get_db(app).session_scope() as s:
        s.get(CoachingAssignment, closed.assignment_id).status = "completed"  # does not count
    for i in range(open_now):
        assign(app, settings, evaluation_id=f"o{i}", section_id=f"s{i}", now=old)
    res = assign(app, settings, evaluation_id="new", section_id="fresh", now=NOW)
    assert res.decision == decision
    if decision == "rate_limited":
        assert res.reason == "open_limit_reached"


def test_requeued_triage_answers_with_the_finished_result(app, settings, genesys):
    seed_eval(genesys)
    genesys.fail_next["get_evaluation"] = 1
    assert run_triage(app, settings, genesys).decision == "queued"
    drain(app, settings)
    genesys.fail_next["get_evaluation"] = 1
    again = run_triage(app, settings, genesys)
    assert (again.decision, again.percentage, again.section_name) == ("assigned", 60.0, "Greeting")


def test_requeued_assign_answers_with_the_finished_result(app, settings, genesys):
    genesys.fail_next["get_user"] = 1
    assert assign(app, settings, genesys, evaluation_id="e1").decision == "queued"
    drain(app, settings)
    genesys.fail_next["get_user"] = 1
    assert assign(app, settings, genesys, evaluation_id="e1").decision == "assigned"
