"""``/api/v1/insights/...``: coaching effectiveness and trust in automated scoring (staff)."""

from __future__ import annotations

from flask import Blueprint, Response

from service import get_settings
from service.api import parse_query, respond, route
from service.db import get_session, utcnow
from service.insights import service
from service.insights.schemas import (
    AlertsOut,
    CheckOut,
    EffectivenessOut,
    NoQuery,
    TrustOut,
    WindowQuery,
)

bp = Blueprint("insights", __name__)
BASE = "/api/v1/insights"


@route(
    bp,
    "get",
    f"{BASE}/effectiveness",
    "Coaching effectiveness",
    query=WindowQuery,
    response=EffectivenessOut,
)
def effectiveness() -> Response:
    """Before/after section scores of completed coachings, with the difference-in-differences."""
    q = parse_query(WindowQuery)
    found = service.effectiveness(get_session(), settings=get_settings(), start=q.start, end=q.end)
    return respond(EffectivenessOut(**found))


@route(bp, "get", f"{BASE}/trust", "Trust in automated scoring", query=NoQuery, response=TrustOut)
def trust() -> Response:
    """Per question AI-human kappa and overturn rate; per language; per evaluator."""
    parse_query(NoQuery)
    found = service.trust_report(get_session(), settings=get_settings(), now=utcnow())
    return respond(TrustOut(**found))


@route(bp, "get", f"{BASE}/alerts", "Open trust alerts", query=NoQuery, response=AlertsOut)
def alerts() -> Response:
    """The open trust alerts, newest first."""
    parse_query(NoQuery)
    return respond(
        AlertsOut(alerts=[service.alert_json(a) for a in service.open_alerts(get_session())])
    )


@route(bp, "post", f"{BASE}/alerts/check", "Run the trust alert check now", response=CheckOut)
def check_alerts() -> Response:
    """Open and resolve alerts now (the worker also does this hourly)."""
    found = service.check_alerts(get_session(), settings=get_settings(), now=utcnow())
    return respond(CheckOut(**found))
