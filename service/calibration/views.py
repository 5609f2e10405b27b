"""Calibration API: sessions, blind scores, rubric notes, and the data action.

The cross-session reports, candidate draws and the page are in ``report_views``; both modules
attach to ``blueprint.bp``, which this module re-exports for the app factory.
"""

from __future__ import annotations

from flask import Response

from service import get_settings
from service.api import data_action, parse_body, parse_query, respond, route
from service.auth.views import current_principal
from service.calibration import (
    collect,
    editing,
    notes,
    report_views,  # noqa: F401  (attaches its routes to bp)
    reveal,
    service,
)
from service.calibration.blueprint import BASE, bp, genesys_api
from service.calibration.dataaction import calibration_report
from service.calibration.models import CalibrationScore, CalibrationSession, RubricNote
from service.calibration.programs import views as program_views  # noqa: F401  (routes on bp)
from service.calibration.schemas import (
    AuditEntryOut,
    AuditOut,
    CalibrationReportIn,
    CalibrationReportOut,
    CollectOut,
    DeadlineIn,
    InteractionOut,
    PanelistAddIn,
    PanelistOut,
    ReportOut,
    RubricNoteIn,
    RubricNoteList,
    RubricNoteOut,
    RubricNoteQuery,
    ScoreIn,
    ScoreOut,
    ScoresOut,
    SessionCreateIn,
    SessionList,
    SessionOut,
)
from service.db import get_session, utcnow
from service.errors import InvalidInput


def session_out(sess: CalibrationSession) -> SessionOut:
    """Serialize a session with its progress (never with scores)."""
    state = service.progress(get_session(), sess, utcnow())
    per_interaction = len(sess.interactions)
    return SessionOut(
        id=sess.id,
        name=sess.name,
        formId=sess.form_id,
        expertId=sess.expert_id,
        calibratorId=sess.calibrator_id,
        deadline=sess.deadline,
        status=state.status,
        revealed=state.revealed,
        submitted=state.submitted,
        expected=state.expected,
        interactions=[
            InteractionOut(
                conversationId=i.conversation_id,
                agentId=i.agent_id,
                handleSeconds=i.handle_seconds,
                genesysCalibrationId=i.genesys_calibration_id,
            )
            for i in sess.interactions
        ],
        panel=[
            PanelistOut(
                evaluatorId=p.evaluator_id,
                kind=p.kind,
                isExpert=p.evaluator_id == sess.expert_id,
                submitted=state.per_evaluator.get(p.evaluator_id, 0),
                expected=per_interaction,
            )
            for p in sess.panel
        ],
        questions=list(sess.questions or []),
        selection={"seed": sess.selection_seed},
        mirrorToGenesys=sess.mirror_to_genesys,
        createdAt=sess.created_at,
    )


def score_out(sess: CalibrationSession, score: CalibrationScore) -> ScoreOut:
    """Serialize one score (callers have already checked it may be seen)."""
    conversation = {i.id: i.conversation_id for i in sess.interactions}
    return ScoreOut(
        conversationId=conversation.get(score.interaction_id, ""),
        evaluatorId=score.evaluator_id,
        totalScore=score.total,
        answers=list(score.answers or []),
        source=score.source,
        submittedAt=score.submitted_at,
    )


def note_out(note: RubricNote, hidden: set[str] | None = None) -> RubricNoteOut:
    """Serialize a rubric note; a session id in ``hidden`` (not the caller's) is left out."""
    return RubricNoteOut(
        id=note.id,
        formId=note.form_id,
        questionId=note.question_id,
        version=note.version,
        text=note.text,
        sessionId=None if note.session_id in (hidden or set()) else note.session_id,
        author=note.author,
        createdAt=note.created_at,
    )


@route(
    bp,
    "post",
    f"{BASE}/sessions",
    "Create a calibration session",
    body=SessionCreateIn,
    response=SessionOut,
)
def create_session() -> Response:
    """Create a session (staff); interactions given or drawn with a recorded seed."""
    body = parse_body(SessionCreateIn)
    now = utcnow()
    if reveal.aware(body.deadline) <= now:
        raise InvalidInput("The deadline must be in the future.", code="deadline_in_past")
    sess = service.create(
        get_session(),
        data=body,
        principal=current_principal(),
        settings=get_settings(),
        genesys=genesys_api(),
        now=now,
    )
    return respond(session_out(sess), status=201)


@route(bp, "get", f"{BASE}/sessions", "List calibration sessions", response=SessionList)
def list_sessions() -> Response:
    """Every session for staff; a panelist's own sessions otherwise."""
    found = service.list_visible(get_session(), principal=current_principal())
    return respond(SessionList(sessions=[session_out(s) for s in found]))


@route(bp, "get", f"{BASE}/sessions/<session_id>", "One calibration session", response=SessionOut)
def get_one(session_id: str) -> Response:
    """A session with its progress (who has submitted), never scores."""
    sess = service.visible_session(
        get_session(), session_id=session_id, principal=current_principal()
    )
    return respond(session_out(sess))


@route(
    bp,
    "post",
    f"{BASE}/sessions/<session_id>/scores",
    "Submit a calibration score",
    body=ScoreIn,
    response=ScoreOut,
)
def submit_score(session_id: str) -> Response:
    """Submit or replace your own score (blind until the reveal)."""
    body = parse_body(ScoreIn)
    db = get_session()
    score = service.submit(
        db, session_id=session_id, data=body, principal=current_principal(), now=utcnow()
    )
    return respond(score_out(service.get(db, session_id=session_id), score), status=201)


@route(bp, "get", f"{BASE}/sessions/<session_id>/scores", "Scores you may see", response=ScoresOut)
def list_scores(session_id: str) -> Response:
    """Your own scores before the reveal; everyone's after."""
    sess, state, shown, hidden = service.visible_scores(
        get_session(), session_id=session_id, principal=current_principal(), now=utcnow()
    )
    return respond(
        ScoresOut(
            status=state.status,
            revealed=state.revealed,
            scores=[score_out(sess, s) for s in shown],
            hidden=hidden,
        )
    )


@route(
    bp, "post", f"{BASE}/sessions/<session_id>/close", "Reveal a session early", response=SessionOut
)
def close_session(session_id: str) -> Response:
    """Close the session now (admin): it is revealed with the scores that are in."""
    sess = editing.close(
        get_session(), session_id=session_id, principal=current_principal(), now=utcnow()
    )
    return respond(session_out(sess))


@route(
    bp,
    "post",
    f"{BASE}/sessions/<session_id>/panelists",
    "Add a panelist before the reveal (audited)",
    body=PanelistAddIn,
    response=SessionOut,
)
def add_panelist(session_id: str) -> Response:
    """Admin: add a panelist; they see only their own scores until the reveal."""
    body = parse_body(PanelistAddIn)
    sess = editing.add_panelist(
        get_session(),
        session_id=session_id,
        evaluator_id=body.evaluatorId,
        principal=current_principal(),
        now=utcnow(),
    )
    return respond(session_out(sess))


@route(
    bp,
    "delete",
    f"{BASE}/sessions/<session_id>/panelists/<evaluator_id>",
    "Remove a panelist before the reveal (audited; their scores leave the statistics)",
    response=SessionOut,
)
def remove_panelist(session_id: str, evaluator_id: str) -> Response:
    """Admin: remove a panelist; scores they gave are kept in the audit only."""
    sess = editing.remove_panelist(
        get_session(),
        session_id=session_id,
        evaluator_id=evaluator_id,
        principal=current_principal(),
        now=utcnow(),
    )
    return respond(session_out(sess))


@route(
    bp,
    "put",
    f"{BASE}/sessions/<session_id>/deadline",
    "Move the deadline before the reveal (audited)",
    body=DeadlineIn,
    response=SessionOut,
)
def move_deadline(session_id: str) -> Response:
    """Admin: move the deadline (it must stay in the future)."""
    body = parse_body(DeadlineIn)
    sess = editing.move_deadline(
        get_session(),
        session_id=session_id,
        deadline=body.deadline,
        principal=current_principal(),
        now=utcnow(),
    )
    return respond(session_out(sess))


@route(
    bp, "get", f"{BASE}/sessions/<session_id>/audit", "A session's edit history", response=AuditOut
)
def session_audit(session_id: str) -> Response:
    """Staff: every change to the session (who, when, what)."""
    rows = editing.audit_log(get_session(), session_id=session_id, principal=current_principal())
    entries = [
        AuditEntryOut(actor=r.actor, action=r.action, at=r.at, detail=r.detail) for r in rows
    ]
    return respond(AuditOut(sessionId=session_id, entries=entries))


@route(
    bp,
    "post",
    f"{BASE}/sessions/<session_id>/collect",
    "Collect finished evaluations from Genesys",
    response=CollectOut,
)
def collect_scores(session_id: str) -> Response:
    """Pull the panel's finished evaluations from the mirrored Genesys calibrations."""
    counts = collect.collect_from_genesys(
        get_session(),
        session_id=session_id,
        principal=current_principal(),
        genesys=genesys_api(),
        now=utcnow(),
    )
    pending = counts["pending"]
    return respond(
        CollectOut(
            sessionId=session_id,
            collected=counts["collected"],
            pending=pending,
            skipped=counts["skipped"],
        )
    )


@route(
    bp,
    "get",
    f"{BASE}/sessions/<session_id>/report",
    "Statistics of one session",
    response=ReportOut,
)
def session_report(session_id: str) -> Response:
    """Progress, and once revealed the full statistics."""
    sess, state, stats = service.report(
        get_session(),
        session_id=session_id,
        principal=current_principal(),
        settings=get_settings(),
        now=utcnow(),
    )
    return respond(
        ReportOut(
            sessionId=sess.id,
            status=state.status,
            revealed=state.revealed,
            submitted=state.submitted,
            expected=state.expected,
            statistics=stats,
        )
    )


@route(
    bp,
    "post",
    f"{BASE}/rubric-notes",
    "Record a rubric note",
    body=RubricNoteIn,
    response=RubricNoteOut,
)
def add_note() -> Response:
    """Record the next version of a criterion's agreed interpretation (staff)."""
    body = parse_body(RubricNoteIn)
    note = notes.add_rubric_note(
        get_session(),
        form_id=body.formId,
        question_id=body.questionId,
        text=body.text,
        session_id=body.sessionId,
        principal=current_principal(),
    )
    return respond(note_out(note), status=201)


@route(
    bp,
    "get",
    f"{BASE}/rubric-notes",
    "Rubric notes of a form",
    query=RubricNoteQuery,
    response=RubricNoteList,
)
def list_notes() -> Response:
    """A form's rubric notes, every version, oldest first."""
    q = parse_query(RubricNoteQuery)
    db = get_session()
    found = notes.rubric_notes(db, form_id=q.formId, question_id=q.questionId)
    hidden = notes.hidden_sessions(db, found, current_principal())
    return respond(RubricNoteList(notes=[note_out(n, hidden) for n in found]))


@data_action(
    bp,
    "calibration-report",
    CalibrationReportIn,
    CalibrationReportOut,
    "Flat statistics of a calibration session, blind until revealed",
)
def calibration_report_action(body: CalibrationReportIn) -> CalibrationReportOut:
    """The flat report of a session or of one mirrored Genesys calibration."""
    return calibration_report(
        get_session(), calibration_id=body.calibrationId, settings=get_settings(), now=utcnow()
    )
