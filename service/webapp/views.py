"""The ``/app/`` pages (thin: parse the form, call a use case, render or redirect).

Access: every endpoint has its row in ``service/auth/matrix.py``; row-level visibility comes from
``service.workspace.service`` and ``service.calibration.service`` (404 for what is not yours).
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from flask import Response, current_app, redirect, request, session
from pydantic import ValidationError

from service import get_settings
from service.auth.rules import PERSON_ROLES, divisions_claim, parse_divisions
from service.auth.views import current_principal
from service.db import get_session, utcnow
from service.errors import BadRequest, Forbidden, NotFound
from service.webapp import evaluation_page, names, rules, signin
from service.webapp.blueprint import bp, done, page, parse_form, team
from service.webapp.sessions import purge_expired
from service.workspace import history as ws_history
from service.workspace import rules as ws_rules
from service.workspace import service as ws
from service.workspace.schemas import (
    ExamplePick,
    InteractionMark,
    ListQuery,
    PlanUpdate,
    SessionCreate,
)

# --- sign-in ---


@bp.get("/app/")
def index() -> Response:
    """Home: the role's start page, or the sign-in page without a session."""
    role = session.get("role")
    if not session.get("uid"):
        return redirect("/app/login", 302)  # type: ignore[return-value]
    return redirect("/app/team" if role in ("supervisor", "admin") else "/app/coaching", 302)  # type: ignore[return-value]


@bp.get("/app/login")
def login() -> tuple[str, int]:
    """The sign-in page: the configured provider, and the development sign-in when allowed."""
    settings = get_settings()
    return page(
        "login.html",
        provider=settings.web_signin,
        dev=_dev_allowed(),
        roles=PERSON_ROLES,
        login_hint=request.args.get("login_hint", ""),
    )


@bp.get("/app/auth/start")
def start() -> Response:
    """Start the configured sign-in (Genesys Cloud OAuth with PKCE, or OIDC)."""
    session.rotate()  # type: ignore[attr-defined]
    hint = request.args.get("login_hint", "")[:128]
    redirect_uri = request.url_root.rstrip("/") + "/app/auth/callback"
    return signin.start(current_app._get_current_object(), get_settings(), redirect_uri, hint)  # type: ignore[attr-defined]


@bp.get("/app/auth/callback")
def callback() -> Response:
    """The provider's redirect: exchange the code, learn who it is, start the session."""
    settings = get_settings()
    person, token = signin.finish(current_app._get_current_object(), settings)  # type: ignore[attr-defined]
    _sign_in(person)
    if settings.web_signin == "genesys":
        session["token"] = token  # server-side only: refreshes the team when the cache is stale
    return redirect("/app/", 303)  # type: ignore[return-value]


def _sign_in(person: signin.Person) -> None:
    purge_expired(current_app._get_current_object())  # type: ignore[attr-defined]
    session.clear()
    session.rotate()  # type: ignore[attr-defined]
    session.update(
        uid=person.user_id,
        name=person.name,
        role=person.role,
        team=person.team,
        team_at=time.time(),
        divisions=divisions_claim(person.divisions),
    )


def _dev_allowed() -> bool:
    """Development sign-in: only when enabled AND both ends of the request are loopback."""
    settings = get_settings()
    return (
        settings.web_dev_signin
        and rules.is_loopback(request.remote_addr or "")
        and rules.host_is_loopback(request.host)
    )


@bp.post("/app/auth/dev")
def dev_signin() -> Response:
    """Sign in as anyone with any role (QM_WEB_DEV_SIGNIN=true, loopback only)."""
    if not _dev_allowed():
        raise NotFound("Development sign-in is off.", code="dev_signin_off")
    role = request.form.get("role", "")
    uid = request.form.get("user_id", "").strip()[:128]
    if role not in PERSON_ROLES or not uid:
        raise BadRequest("Give a user id and a role.", code="invalid_form")
    team_ids = [t.strip() for t in request.form.get("team", "").split(",") if t.strip()]
    name = request.form.get("name", "").strip()[:200] or uid
    scope = [d.strip() for d in request.form.get("divisions", "").split(",") if d.strip()]
    person = signin.Person(uid, name, role, {t: t for t in team_ids})
    person.divisions = parse_divisions(scope) if scope else None
    _sign_in(person)
    return redirect("/app/", 303)  # type: ignore[return-value]


@bp.post("/app/logout")
def logout() -> Response:
    """Sign out: the server-side session is deleted and the cookie cleared."""
    session.end()  # type: ignore[attr-defined]
    return redirect("/app/login", 303)  # type: ignore[return-value]


# --- the agent: coaching sessions ---


@bp.get("/app/coaching")
def coaching_list() -> tuple[str, int]:
    """My coaching: name, areas (+N), assigned and follow-up dates, status; filter and sort."""
    try:
        query = ListQuery.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise BadRequest("Unknown filter or sort.", code="invalid_query") from exc
    me = current_principal()
    rows = ws.list_for_agent(
        get_session(), me.user_id, status=query.status, sort=query.sort, order=query.order
    )
    coached = ws.list_coached(get_session(), me.user_id, me) if me.role != "agent" else []
    return page(
        "coaching_list.html",
        rows=rows,
        coached=coached,
        query=query,
        tags=rules.tags_with_overflow,
        today=date.today(),
        overdue=ws_rules.is_overdue,
    )


def _visible(session_id: str) -> Any:
    return ws.visible(
        get_session(), session_id=session_id, principal=current_principal(), team=team()
    )


@bp.get("/app/coaching/<session_id>")
def coaching_detail(session_id: str) -> tuple[str, int]:
    """One session: areas, interactions, examples, feedback and action plan (read-only for the
    agent, who may acknowledge); coaches also get the forms to change it."""
    sess = _visible(session_id)
    me = current_principal()
    editable = ws.may_edit(sess, me, team())
    hints = ws.suggestions(get_session(), sess) if editable else []
    edits = ws_history.of_session(get_session(), sess.id)
    return page(
        "coaching_detail.html",
        s=sess,
        editable=editable,
        suggestions=hints,
        is_agent=sess.agent_id == me.user_id,
        history=[(e, ws_rules.describe_change(ws_history.change_of(e))) for e in edits],
    )


@bp.post("/app/coaching/<session_id>/acknowledge")
def acknowledge(session_id: str) -> Response:
    """The agent acknowledges the session."""
    sess = _visible(session_id)
    ws.acknowledge(get_session(), sess, current_principal(), utcnow())
    return done(f"/app/coaching/{sess.id}")


def _editable(session_id: str) -> Any:
    sess = _visible(session_id)
    if not ws.may_edit(sess, current_principal(), team()):
        raise Forbidden("You cannot change this session.", code="not_your_session")
    return sess


@bp.post("/app/coaching/<session_id>/plan")
def update_plan(session_id: str) -> Response:
    """Feedback, action plan and status."""
    sess = _editable(session_id)
    ws.update_plan(get_session(), sess, parse_form(PlanUpdate), actor=current_principal().user_id)
    return done(f"/app/coaching/{sess.id}")


@bp.post("/app/coaching/<session_id>/interactions")
def mark_interaction(session_id: str) -> Response:
    """Mark an interaction for coaching."""
    sess = _editable(session_id)
    ws.mark_interaction(
        get_session(), sess, parse_form(InteractionMark), actor=current_principal().user_id
    )
    return done(f"/app/coaching/{sess.id}#interactions")


@bp.post("/app/coaching/<session_id>/examples")
def add_example(session_id: str) -> Response:
    """Attach a best-response example (typed, or picked from the suggestions)."""
    sess = _editable(session_id)
    ws.add_example(get_session(), sess, parse_form(ExamplePick), actor=current_principal().user_id)
    return done(f"/app/coaching/{sess.id}#examples")


# --- evaluations ---


@bp.get("/app/evaluations/<evaluation_id>")
def evaluation(evaluation_id: str) -> tuple[str, int]:
    """Each question's answer; automated scores' verified evidence highlighted in the turns."""
    view = evaluation_page.build(
        get_session(), evaluation_id=evaluation_id, principal=current_principal(), team=team()
    )
    return page("evaluation.html", v=view)


# --- supervisors ---


@bp.get("/app/team", endpoint="team")
def team_page() -> tuple[str, int]:
    """Each agent's open sessions, overdue follow-ups and disputes waiting; create sessions."""
    members = team()
    overview = ws.team_overview(get_session(), list(members), date.today())
    waiting = _waiting()
    rows = sorted(
        (
            (
                r.agent_id,
                members.get(r.agent_id) or names.person(r.agent_id),
                r.open_sessions,
                r.overdue,
                waiting.get(r.agent_id, 0),
            )
            for r in overview.values()
        ),
        key=lambda row: str(row[1]).lower(),
    )
    return page("team.html", rows=rows)


def _waiting() -> dict[str, int]:
    """Disputes waiting for the signed-in supervisor, per agent (``service.disputes``)."""
    from service.disputes import service as reviews

    me = current_principal()
    if me.role not in ("supervisor", "admin"):
        return {}
    return reviews.waiting_counts(get_session(), principal=me, team=list(team()))


@bp.post("/app/team/sessions")
def create_sessions() -> Response:
    """Create a session for one agent or a group (each agent gets their own)."""
    data = parse_form(SessionCreate, "agents")
    made = ws.create_sessions(
        get_session(), data, principal=current_principal(), team=team(), today=date.today()
    )
    if len(made) == 1:
        return done(f"/app/coaching/{made[0].id}")
    return done("/app/team")


# The other page modules attach their routes to ``bp`` when imported.
from service.webapp import (  # noqa: E402,F401
    calibration_pages,
    console_pages,
    insights_pages,
    policy_pages,
    replay_page,
    review_pages,
)
