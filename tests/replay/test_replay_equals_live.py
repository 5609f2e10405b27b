"""Replay equals live: the demo org's evaluations, triaged by the live pipeline one by one at the
time each was released, and then replayed under the same policy, get exactly the same decision
(assigned, duplicate, capped, skipped, inactive, with reason, section and module) each.

Between evaluations the live run completes every assignment whose due day has passed, through
the same service call an agent's completion makes: that is the replay's assumption
(``complete_on_due``), so both sides see the same open assignments.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from service.auth.rules import Principal
from service.coaching import policies, reads
from service.coaching.models import CoachingAssignment
from service.coaching.triage import evaluation_date, triage_evaluation
from service.db import get_db
from service.demo.run import policy_yaml
from service.genesys import get_genesys
from service.genesys.api import GenesysApi
from service.replay import service, simulate, sources
from service.replay.schemas import ReplayIn

STAFF = Principal("test", "admin", "qa-manager")


def _clock(ev):
    return sources.evaluation_in(sources.record_of(ev, [])).at


def _complete_due(session, today: date) -> None:
    due = session.scalars(
        select(CoachingAssignment).where(
            CoachingAssignment.status == "open", CoachingAssignment.due_date < today
        )
    )
    for row in list(due):
        reads.set_status(session, assignment_id=row.id, status="completed", principal=STAFF)


def live(app, settings, fake, api: GenesysApi) -> dict[str, tuple[str, ...]]:
    """Triage every evaluation with the live pipeline, in release order, at its release time."""
    out = {}
    for ev in sorted(fake.org.evaluations.values(), key=lambda e: (_clock(e), e["id"])):
        now = _clock(ev)
        with get_db(app).session_scope() as session:
            _complete_due(session, now.date())
            res = triage_evaluation(
                session,
                settings=settings,
                genesys=api,
                evaluation_id=ev["id"],
                conversation_id=ev["conversation"]["id"],
                status=ev["status"],
                now=now,
            )
            row = session.scalar(
                select(CoachingAssignment).where(CoachingAssignment.id == res.assignment_id)
            )
            module = row.module_id if row is not None and res.decision == "assigned" else ""
        out[ev["id"]] = (res.decision, res.reason, res.section_id, res.section_name, module)
    return out


def replayed(app, settings, fake, api: GenesysApi) -> dict[str, tuple[str, ...]]:
    days = [date.fromisoformat(e["createdDate"][:10]) for e in fake.org.evaluations.values()]
    body = ReplayIn.model_validate({"from": min(days).isoformat(), "to": max(days).isoformat()})
    with get_db(app).session_scope() as session:
        budget = sources.Budget(1000)
        agents = sources.fetch_agents(api, budget)
        evaluations = sources.fetch_evaluations(
            session, api, list(agents), body.start, body.end, budget
        )
        policy = service.policies_for(session, settings, body)[0]
    tally = simulate.run(policy, agents, evaluations, [])
    return {
        d.evaluation_id: (
            d.decision,
            d.reason,
            d.section_id,
            d.section_name,
            d.module_id if d.decision == "assigned" else "",  # live stores it with assignments
        )
        for d in tally.decisions
    }


@pytest.mark.parametrize(
    ("over", "shown"),
    [
        ({}, {"rate_limited"}),  # the demo's own policy
        (
            {"threshold": 95, "weekly_cap": 1, "max_open": 1, "due_business_days": 10},
            {"rate_limited", "duplicate"},
        ),
        ({"threshold": 95, "weekly_cap": 0, "due_business_days": 20}, {"duplicate"}),
    ],
    ids=["demo", "tight", "uncapped"],
)
def test_replay_gives_the_decisions_the_live_pipeline_made(app, settings, fake, over, shown):
    with get_db(app).session_scope() as session:
        policies.load_file(session, text=policy_yaml(fake, **over), replace=True)
    api = get_genesys(app)
    assert api is not None
    want = live(app, settings, fake, api)
    got = replayed(app, settings, fake, api)
    assert got == want
    kinds = Counter(d[0] for d in want.values())
    assert kinds["assigned"] >= 2 and kinds["agent_inactive"] >= 1 and kinds["skipped"] >= 3
    assert all(kinds[k] >= 1 for k in shown), kinds  # the case exercises what it is for
    if not over.get("weekly_cap", 1):
        assert kinds["rate_limited"] == 0


def test_the_evaluation_date_is_the_decision_clock(fake):
    ev = next(e for e in fake.org.evaluations.values() if e["status"] == "FINISHED")
    assert _clock(ev).isoformat().startswith(evaluation_date(ev)[:19])
