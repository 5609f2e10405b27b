"""The web app's blueprint and what every page module shares (rendering, redirects, forms,
the signed-in supervisor's team). Page modules import from here, never from ``views``."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, session
from pydantic import ValidationError

from service import get_settings
from service.auth import divisions
from service.auth.rules import parse_divisions
from service.auth.views import current_principal
from service.db import get_session
from service.errors import BadRequest
from service.webapp import names, quotes, signin
from service.workspace import rules as ws_rules

bp = Blueprint(
    "webapp",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/app/static",
)
bp.add_app_template_filter(quotes.redact, "redact")  # quotes shown to people (quotes.py)


SPEAKERS = {"ivr": "IVR", "agent": "Agent", "customer": "Customer", "acd": "Queue"}


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """Render a page with what every page needs (who is signed in, names, labels)."""
    get_session().commit()
    return (
        render_template(
            f"webapp/{template}",
            me=session.get("uid"),
            my_name=session.get("name", ""),
            my_role=session.get("role", ""),
            org_wide=_org_wide(),
            names=names,
            labels=ws_rules.STATUS_LABELS,
            speakers=SPEAKERS,
            **context,
        ),
        status,
    )


def _org_wide() -> bool:
    """Whether the signed-in person's grants cover every division (the console and insights
    span the org: a scoped person is refused there, so the navigation leaves them out)."""
    try:
        return parse_divisions(session.get("divisions")) is None
    except ValueError:
        return False


def done(location: str) -> Response:
    """Commit, then redirect after a POST (303: the browser follows with GET)."""
    get_session().commit()
    return redirect(location, 303)  # type: ignore[return-value]


def team() -> dict[str, str]:
    """The signed-in supervisor's team: their Genesys direct reports as {id: name}, fetched at
    sign-in and again once older than ``QM_WEB_TEAM_CACHE_SECONDS`` (the old list is kept when
    Genesys does not answer); only those in the person's divisions (docs/governance.md)."""
    found: dict[str, str] = session.get("team") or {}
    token = session.get("token")
    settings = get_settings()
    stale = signin.team_is_stale(float(session.get("team_at") or 0), settings)
    if token and stale and session.get("role") in ("supervisor", "admin"):
        fresh = signin.refresh_team(current_app._get_current_object(), settings, token)  # type: ignore[attr-defined]
        if fresh is not None:
            session["team"], found = fresh, fresh
        session["team_at"] = time.time()
    allowed = divisions.visible_agents(get_session(), current_principal(), found)
    return {agent: name for agent, name in found.items() if agent in allowed}


def form_data(*lists: str) -> dict[str, Any]:
    """The submitted form as a dict; fields named in ``lists`` keep every value; empty -> None."""
    data: dict[str, Any] = {}
    for key in request.form:
        if key == "csrf_token":
            continue
        if key in lists:
            data[key] = request.form.getlist(key)
        else:
            value = request.form.get(key, "").strip()
            data[key] = value if value != "" else None
    return {k: v for k, v in data.items() if v is not None}


def parse_form(model: Any, *lists: str) -> Any:
    """Validate the form into a model; raises ``BadRequest`` naming the fields."""
    try:
        return model.model_validate(form_data(*lists))
    except ValidationError as exc:
        fields = ", ".join(sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]}))
        raise BadRequest(f"Check these fields: {fields}.", code="invalid_form") from exc
