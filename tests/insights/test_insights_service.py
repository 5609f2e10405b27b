"""Insights on the database (SQLite and PostgreSQL): snapshots from the triage path, the
effectiveness report on stored rows, trust pairs from calibration and from evaluations scored
both ways, overturn rates, and alerts with their webhook event."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from service.coaching import triage
from service.db import get_db
from service.insights import service
from service.insights.models import EvaluationAnswer, SectionScore, TrustAlert
from service.jobs.service import drain
from service.webhooks.models import WebhookEvent
from tests.coaching.memory_genesys import MemoryGenesys, make_evaluation, make_form
from tests.insights import helpers as h

NOW = datetime(2026, 11, 30, tzinfo=UTC)


@pytest.fixture
def genesys(app):
    fake = MemoryGenesys()
    app.extensions["genesys"] = fake
    yield fake
    app.extensions.pop("genesys", None)


def _add(app, *rows):
    with get_db(app).session_scope() as s:
        for row in rows:  # one by one: parents (sessions, reviews) before their children
            s.add(row)
            s.flush()


def test_triage_path_queues_the_snapshot_and_the_job_stores_it(app, settings, genesys):
    genesys.forms["form-v1"] = make_form([("g1", "Greeting", 40), ("g2", "Resolution", 20)])
    evaluation = make_evaluation("e1", [("g1", 1, 2), ("g2", 1, 1)])
    evaluation["answers"]["questionGroupScores"][0]["questionScores"] = [
        {"questionId": "q1", "answerId": "a-yes"},
        {"questionId": "q2", "answerId": "", "markedNA": True},
    ]
    evaluation["evaluator"] = {"id": "eva"}
    genesys.evaluations["e1"] = evaluation
    with get_db(app).session_scope() as s:
        triage.triage_evaluation(
            s, settings=settings, genesys=genesys, evaluation_id="e1", conversation_id="c1"
        )
    drain(app, settings, kinds=["insights.record_evaluation"])
    with get_db(app).session_scope() as s:
        scores = {r.section_key: r.percentage for r in s.scalars(select(SectionScore))}
        answers = [
            (a.question_id, a.answer_id, a.evaluator_id)
            for a in s.scalars(select(EvaluationAnswer))
        ]
    assert scores == {"greeting": 50.0, "resolution": 100.0}
    assert answers == [("q1", "a-yes", "eva")]  # the N/A answer is not an answer


def test_a_newer_version_replaces_and_an_older_one_is_ignored(app, session):
    payload = {
        "evaluationId": "e9",
        "version": 2,
        "agentId": "a1",
        "evaluatedAt": "2026-11-02T10:00:00Z",
        "sections": [{"id": "s1", "name": "Empathy", "percentage": 80.0}],
        "answers": [],
    }
    assert service.record_evaluation(session, payload=payload) == 1
    older = {
        **payload,
        "version": 1,
        "sections": [{"id": "s1", "name": "Empathy", "percentage": 10.0}],
    }
    assert service.record_evaluation(session, payload=older) == 0
    newer = {
        **payload,
        "version": 3,
        "sections": [{"id": "s1", "name": "Empathy", "percentage": 90.0}],
    }
    assert service.record_evaluation(session, payload=newer) == 1
    session.commit()
    assert [r.percentage for r in session.scalars(select(SectionScore))] == [90.0]


def test_effectiveness_matches_the_hand_computed_example(app, settings, session):
    # The coached agent: assigned day 40, completed day 50; 30-day windows.
    # before (days 10..39): 60, 70, 80; after (days 51..80): 70, 80, 90 -> change +10
    # comparison agent: before 50, 60, 70; after 55, 65, 75 -> +5; DiD +5 (see test_insights_rules)
    # An agent coached on Empathy during the windows is no comparison; a score outside is ignored.
    _add(
        app,
        h.coaching("coached", 40, 50),
        h.coaching("also-coached", 45, None),
        *h.section_scores(
            "coached", [(12, 60), (20, 70), (39, 80), (55, 70), (60, 80), (80, 90), (81, 10)]
        ),
        *h.section_scores("peer", [(11, 50), (21, 60), (31, 70), (52, 55), (62, 65), (72, 75)]),
        *h.section_scores("also-coached", [(20, 0), (60, 100)]),
    )
    report = service.effectiveness(session, settings=settings)
    [m] = report["modules"]
    assert (m["module_id"], m["section_key"], m["trigger"], m["target"]) == (
        "m-empathy",
        "empathy",
        "event",
        "local",
    )
    assert (m["n_before"], m["n_after"], m["control_n_before"], m["control_n_after"]) == (
        3,
        3,
        3,
        3,
    )
    assert m["change"]["estimate"] == 10.0 and m["did"]["estimate"] == 5.0
    assert m["did"]["df"] == 8.0 and m["did"]["ci_low"] == pytest.approx(-21.628, abs=1e-3)
    assert m["verdict"] == "no_effect"
    assert report["summary"]["before_days"] == 30
    assert len(report["coachings"]) == 1  # the open assignment is not a completed coaching
    window = service.effectiveness(session, settings=settings, start=h.day(51))
    assert window["modules"] == []


def _double_scored(app, agree: int, disagree: int) -> None:
    rows: list = []
    for i in range(agree + disagree):
        conv = f"conv-{i}"
        ai = {"q1": "yes"}
        rows.append(h.automated(conv, ai, language="en-US" if i % 2 else "de-DE"))
        rows += h.human(conv, {"q1": "yes" if i < agree else "no"}, at=i)
    _add(app, *rows)


def test_trust_kappa_per_question_and_language_from_evaluations_and_calibration(
    app, settings, session
):
    # evaluations: AI always "yes"; humans yes 6 times, no 4 times -> kappa 0 (the AI never varies)
    _double_scored(app, agree=6, disagree=4)
    _add(app, *h.calibration({"q1": "no"}, {"alice": {"q1": "no"}, "bob": {"q1": "no"}}))
    report = service.trust_report(session, settings=settings, now=datetime.now(UTC))
    [q] = report["questions"]
    assert q["agreement"]["pairs"] == 11
    assert q["agreement"]["sources"] == {"calibration": 1, "evaluation": 10}
    # 11 pairs: AI yes x10 / no x1; human yes x6 / no x5; agree 6 + 1 = 7
    # p_o = 7/11; p_e = (10*6 + 1*5) / 121 = 65/121; kappa = (77/121 - 65/121) / (56/121) = 12/56
    assert q["agreement"]["kappa"] == pytest.approx(12 / 56, abs=1e-4)
    languages = {row["language"]: row["pairs"] for row in q["by_language"]}
    assert languages == {"de-DE": 5, "en-US": 5, "unknown": 1}
    assert {row["language"] for row in report["languages"]} == {"de-DE", "en-US", "unknown"}


def test_agreement_uses_the_latest_window_only(app, settings, session):
    settings.insights_agreement_window = 5
    _double_scored(app, agree=5, disagree=5)  # the newest five (days 5..9) all disagree
    [q] = service.trust_report(session, settings=settings, now=NOW)["questions"]
    assert q["agreement"]["pairs"] == 5 and q["agreement"]["observed"] == 0.0


def test_overturns_of_automated_answers_and_per_evaluator(app, settings, session):
    _add(app, h.automated("conv-a", {"q1": "yes"}))
    _add(
        app,
        *h.dispute("ai-conv-a", "", {"q1": "changed", "q2": "upheld"}),
        *h.dispute("human-1", "eva", {"q1": "changed"}),
        *h.dispute("human-2", "eva", {"q1": "upheld", "q3": ""}),  # q3 undecided: not counted
    )
    report = service.trust_report(session, settings=settings, now=NOW)
    by_q = {q["question_id"]: q["overturn"] for q in report["questions"]}
    assert by_q == {
        "q1": {"decided": 1, "changed": 1, "rate": 1.0},
        "q2": {"decided": 1, "changed": 0, "rate": 0.0},
    }
    [eva] = report["evaluators"]
    assert eva["evaluator_id"] == "eva" and eva["overturn"] == {
        "decided": 2,
        "changed": 1,
        "rate": 0.5,
    }


def test_alert_opens_once_emits_the_webhook_event_and_resolves(app, settings, session):
    settings.insights_form_owners = {"form-1": ["qa-lead"]}
    settings.insights_min_pairs = 10
    _double_scored(app, agree=0, disagree=10)  # kappa undefined: AI one label, humans one label
    _add(app, *h.human("conv-x", {"q1": "yes"}, at=20), h.automated("conv-x", {"q1": "no"}))
    # 11 pairs: AI yes x10, no x1; human no x10, yes x1; agree 0 -> kappa < 0 < 0.6
    assert service.check_alerts(session, settings=settings, now=NOW) == {"opened": 1, "resolved": 0}
    assert service.check_alerts(session, settings=settings, now=NOW) == {"opened": 0, "resolved": 0}
    session.commit()
    [alert] = service.open_alerts(session)
    assert (alert.kind, alert.form_id, alert.question_id, alert.owners) == (
        "kappa",
        "form-1",
        "q1",
        ["qa-lead"],
    )
    assert alert.value < 0 and alert.threshold == 0.6 and alert.count == 11
    [event] = session.scalars(select(WebhookEvent).where(WebhookEvent.type == "insights.alert"))
    assert event.payload["questionId"] == "q1" and event.payload["owners"] == ["qa-lead"]
    settings.insights_min_kappa = -1.0  # nothing is below -1: the alert resolves
    assert service.check_alerts(session, settings=settings, now=NOW) == {"opened": 0, "resolved": 1}
    session.commit()
    assert service.open_alerts(session) == []
    assert session.scalars(select(TrustAlert)).one().resolved_at is not None


def test_the_hourly_check_is_declared_and_runs_as_a_job(app, settings):
    from service.jobs.periodic import declared, enqueue_due

    [check] = [p for p in declared() if p.kind == "insights.check_alerts"]
    assert check.every_seconds == 3600
    _double_scored(app, agree=0, disagree=10)
    _add(app, *h.human("conv-x", {"q1": "yes"}, at=20), h.automated("conv-x", {"q1": "no"}))
    with get_db(app).session_scope() as s:
        enqueue_due(s, NOW, [check])
    assert drain(app, settings, kinds=["insights.check_alerts"]) == {"done": 1}
    with get_db(app).session_scope() as s:
        assert [a.kind for a in service.open_alerts(s)] == ["kappa"]


def test_an_unreadable_snapshot_is_dead_lettered_not_retried(app, settings):
    from service.jobs.service import enqueue

    with get_db(app).session_scope() as s:
        enqueue(s, "insights.record_evaluation", {"evaluationId": "e1", "agentId": "a"})
    assert drain(app, settings, kinds=["insights.record_evaluation"]) == {"dead": 1}
