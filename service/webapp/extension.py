"""Install the web app's machinery: server-side sessions, CSRF, security headers, sign-in
providers, the browser principal for the auth gate, and HTML error pages under ``/app/``."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import Flask, Response, redirect, render_template, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from service.auth.rules import Principal, parse_divisions
from service.errors import ServiceError, problem
from service.settings import Settings
from service.webapp import rules, signin
from service.webapp.sessions import ServerSessionInterface

SAFE = ("GET", "HEAD", "OPTIONS")


def is_app_path(path: str) -> bool:
    """True for the web app's pages (``/app`` and below)."""
    return path == "/app" or path.startswith("/app/")


def cookie_principal() -> Principal | None:
    """The principal of a signed-in browser: on ``/app/`` pages, and for reads elsewhere (the
    calibration report opened from a page). Writes outside ``/app/`` need a token."""
    uid, role = session.get("uid"), session.get("role")
    if not uid or not role:
        return None
    if not is_app_path(request.path) and request.method not in SAFE:
        return None
    try:
        scope = parse_divisions(session.get("divisions"))
    except ValueError:
        return None  # a session written by hand or by an older release: sign in again
    return Principal(f"web:{uid}", str(role), str(uid), scope)


def _secret(settings: Settings) -> str:
    key = settings.secret_key.get_secret_value()
    if key:
        return hashlib.sha256(("web\0" + key).encode()).hexdigest()
    return secrets.token_hex(32)  # per process: forms break on restart; set QM_SECRET_KEY


def init_app(app: Flask, settings: Settings) -> None:
    """Called once by ``create_app`` (every domain's ``extension.init_app``)."""
    app.session_interface = ServerSessionInterface(settings)
    app.secret_key = _secret(settings)
    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,  # JSON API routes use tokens, not cookies
        WTF_CSRF_TIME_LIMIT=None,  # bounded by the session's own expiry
        WTF_CSRF_SSL_STRICT=not settings.web_embedded,
    )
    csrf = CSRFProtect(app)
    app.extensions["qm_cookie_principal"] = cookie_principal
    signin.init_oauth(app, settings)
    frame_origin = rules.apps_host(settings.genesys_base_url)

    @app.before_request
    def _csrf() -> None:
        if is_app_path(request.path) and request.method not in SAFE:
            csrf.protect()

    @app.after_request
    def _headers(resp: Response) -> Response:
        if is_app_path(request.path) or resp.mimetype == "text/html":
            secure = request.is_secure or settings.web_embedded
            for key, value in rules.security_headers(frame_origin, secure).items():
                resp.headers.setdefault(key, value)
        return resp

    _html_errors(app)


def _html_errors(app: Flask) -> None:
    """Pages under ``/app/`` answer errors as HTML (sign-in redirect for 401); others keep the
    problem+json envelope."""

    def page(status: int, title: str, detail: str) -> Any:
        return render_template("webapp/error.html", title=title, detail=detail), status

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError) -> Any:
        if not is_app_path(request.path):
            return problem(exc.status, exc.code, exc.title, exc.detail, exc.errors, exc.headers)
        if exc.code in ("missing_auth", "invalid_token") and request.method in SAFE:
            return redirect("/app/login", 303)
        return page(exc.status, exc.title, exc.detail)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> Any:
        if not is_app_path(request.path):
            return problem(400, "csrf_failed", "Bad request", exc.description or "")
        return page(400, "Form expired", "The form was missing its security token; reload.")

    previous = app.error_handler_spec[None][None].get(HTTPException)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if is_app_path(request.path) and exc.code:
            return page(exc.code, exc.name, exc.description or exc.name)
        return previous(exc) if previous else exc
