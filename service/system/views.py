"""Liveness, readiness, the OpenAPI description and its rendered reference page."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from service import get_settings
from service.api import Output, respond, route
from service.db import get_session
from service.errors import PROBLEM_TYPE_BASE
from service.openapi import build_openapi
from service.system.readiness import database_report, run_checks

bp = Blueprint("system", __name__)


class HealthOut(Output):
    status: str
    database: str
    jobsQueued: int
    jobsDead: int


@bp.get("/health")
def health() -> Response:
    """Public liveness probe: says nothing but that the process answers."""
    return jsonify({"status": "ok"})


@bp.get("/health/ready")
def health_ready() -> Response:
    """Public readiness probe: 200 when every check passes, else 503 problem+json with reasons.

    Body: ``{"status": "ready", "checks": {name: {"ok": bool, "reason"?: str, counts...}}}``.
    Reasons are fixed phrases and counts only, so the probe can stay public.
    """
    settings = get_settings()
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # for the check threads
    results = run_checks(app, settings.readiness_timeout_seconds)
    checks = {name: result.as_json() for name, result in results.items()}
    failed = [f"{name}: {r.reason or 'failed'}" for name, r in results.items() if not r.ok]
    if not failed:
        return jsonify({"status": "ready", "checks": checks})
    resp = jsonify(
        {
            "type": PROBLEM_TYPE_BASE + "not_ready",
            "title": "Not ready",
            "status": 503,
            "detail": "; ".join(failed),
            "code": "not_ready",
            "checks": checks,
        }
    )
    resp.status_code = 503
    resp.mimetype = "application/problem+json"
    resp.headers["Retry-After"] = str(settings.db_retry_after_seconds)
    return resp


@route(
    bp, "get", "/api/v1/health", "Readiness: database reachable, queue depth", response=HealthOut
)
def health_details() -> Response:
    """Authenticated readiness: the database answers and the queue's depth."""
    report = database_report(get_session())
    return respond(
        HealthOut(
            status="ok",
            database=report.dialect,
            jobsQueued=report.queue["queued"],
            jobsDead=report.queue["dead"],
        )
    )


@bp.get("/api/v1/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of every endpoint; public, like any API's description."""
    return jsonify(build_openapi(current_app))


DOCS_PATH = "/api/v1/docs"
DOCS_BLUEPRINT = "api_docs"


def docs_blueprint() -> Blueprint:
    """Swagger UI (vendored by the ``flask-swagger-ui`` package, no CDN) at ``/api/v1/docs/``.

    Its endpoint, ``api_docs.show``, serves the page and the viewer's static files; it is public.
    """
    from flask_swagger_ui import get_swaggerui_blueprint

    return get_swaggerui_blueprint(
        DOCS_PATH,
        "/api/v1/openapi.json",
        config={"app_name": "QM Loop API reference", "tryItOutEnabled": False},
        blueprint_name=DOCS_BLUEPRINT,
    )
