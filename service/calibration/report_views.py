"""Calibration routes beyond one session's JSON: cross-session reports, candidate draws and the
candidate pool, and the HTML page. Attached to ``blueprint.bp``; ``views`` imports this module."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template

from service import get_settings
from service.api import parse_body, parse_query, respond, route
from service.auth.views import current_principal
from service.calibration import notes, page, reports, service, sources
from service.calibration.blueprint import BASE, bp, genesys_api
from service.calibration.schemas import (
    CandidatePoolIn,
    CandidatePoolOut,
    CandidatesOut,
    PeriodQuery,
    ReportBody,
    SelectionIn,
)
from service.db import get_session, utcnow


def _period_report(kind: str) -> Response:
    """Run one cross-session report over the revealed sessions of the period (staff only)."""
    report = reports.period_report(
        get_session(), get_settings(), kind, now=utcnow(), query=parse_query(PeriodQuery)
    )
    return respond(ReportBody(**report))


@route(
    bp,
    "get",
    f"{BASE}/reports/reliability",
    "ICC and alpha per session and pooled",
    query=PeriodQuery,
    response=ReportBody,
)
def reliability_report() -> Response:
    """ICC forms with CIs and interval alpha, per session and pooled."""
    return _period_report("reliability")


@route(
    bp,
    "get",
    f"{BASE}/reports/evaluators",
    "Evaluator leniency or harshness",
    query=PeriodQuery,
    response=ReportBody,
)
def evaluators_report() -> Response:
    """Each evaluator's mean signed deviation from consensus and expert, with CIs."""
    return _period_report("evaluators")


@route(
    bp,
    "get",
    f"{BASE}/reports/calibrators",
    "Calibrator drift from the team",
    query=PeriodQuery,
    response=ReportBody,
)
def calibrators_report() -> Response:
    """Each expert's monthly gap to the team average, flagged past the configured gap."""
    return _period_report("calibrators")


@route(
    bp,
    "get",
    f"{BASE}/reports/criteria",
    "Criteria with recurring high variance",
    query=PeriodQuery,
    response=ReportBody,
)
def criteria_report() -> Response:
    """Questions flagged month after month, with history and rubric notes."""
    return _period_report("criteria")


@route(
    bp,
    "get",
    f"{BASE}/reports/ai",
    "The AI scorer's agreement per question",
    query=PeriodQuery,
    response=ReportBody,
)
def ai_report() -> Response:
    """AI agreement with the expert and the human majority over the latest calibrations."""
    return _period_report("ai")


@route(
    bp,
    "post",
    f"{BASE}/candidates",
    "Preview a seeded candidate draw",
    body=SelectionIn,
    response=CandidatesOut,
)
def draw_candidates() -> Response:
    """Draw calibration candidates (inline or from Genesys) without creating a session."""
    body = parse_body(SelectionIn)
    drawn = sources.draw_candidates(
        body, settings=get_settings(), genesys=genesys_api(), now=utcnow(), db=get_session()
    )
    return respond(
        CandidatesOut(
            picks=[
                {
                    "conversationId": c.conversation_id,
                    "agentId": c.agent_id,
                    "handleSeconds": c.handle_seconds,
                    "talkSeconds": c.talk_seconds,
                }
                for c in drawn["picks"]
            ],
            seed=drawn["seed"],
            poolSize=drawn["pool_size"],
            agents=drawn["agents"],
            agentSpreadMet=drawn["agent_spread_met"],
            agentsAvailable=drawn["agents_available"],
        )
    )


@route(bp, "get", f"{BASE}/sessions/<session_id>/report.html", "HTML report of one session")
def session_report_html(session_id: str) -> Response:
    """The session page: progress while blind; tables, deviation chart and heat map after."""
    db = get_session()
    sess, state, stats = service.report(
        db,
        session_id=session_id,
        principal=current_principal(),
        settings=get_settings(),
        now=utcnow(),
    )
    context: dict[str, Any] = {"sess": sess, "state": state, "stats": stats}
    if stats is not None:
        shown = service.shown_scores(service.session_scores(db, sess), state)[0]
        ratings = service.to_ratings(sess, shown)
        units = [i.conversation_id for i in sess.interactions]
        context["chart"] = page.deviation_chart(stats["interactions"], sess.expert_id)
        names = {str(q["id"]): str(q.get("name") or "") for q in sess.questions or []}
        questions = service.question_ids(sess, ratings)
        context["heat"] = page.heat_map(ratings, units, questions, names)
        context["names"] = names
        latest = {n.question_id: n for n in notes.rubric_notes(db, form_id=sess.form_id)}
        context["notes"] = latest
    html = render_template("calibration/report.html", **context)
    db.commit()
    return Response(html, mimetype="text/html")


@route(
    bp,
    "post",
    f"{BASE}/candidate-pool",
    "Add interactions to the candidate pool",
    body=CandidatePoolIn,
    response=CandidatePoolOut,
)
def add_to_pool() -> Response:
    """Store interactions (from any QM system) that later sessions may draw with source=database."""
    body = parse_body(CandidatePoolIn)
    return respond(CandidatePoolOut(**sources.add_candidates(get_session(), body.candidates)))
