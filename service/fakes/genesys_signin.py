"""Fake Genesys sign-in: ``/oauth/authorize`` (a page listing the sample users; ``login_hint``
picks one directly), the authorization-code exchange on ``/oauth/token`` with PKCE checked,
``/api/v2/users/me?expand=authorization`` and ``/api/v2/users/{id}/directreports``.

Permissions come from each sample user's title (Team Lead: supervisor, Quality Analyst:
evaluator, agents: agent), as a real org's roles would grant them.
"""

from __future__ import annotations

import html
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, redirect, request

from service.fakes.genesys_http import FakeError, fake
from service.fakes.oauth_checks import client_credentials, oauth_error, pkce_matches

signin_bp = Blueprint("fake_signin", __name__)

PERMISSIONS_BY_TITLE: dict[str, list[str]] = {
    "Team Lead": [
        "coaching:appointment:add",
        "directory:user:viewDirectReports",
        "quality:evaluation:view",
    ],
    "Quality Analyst": ["quality:evaluation:add", "quality:calibration:add"],
    "Customer Care Agent": ["quality:evaluation:view", "coaching:appointment:view"],
}
CODE_TTL = 60.0


def _state() -> dict[str, Any]:
    return current_app.extensions.setdefault("fake_signin", {"codes": {}, "users": {}})


def _redirect_with_code(params: dict[str, str], user_id: str) -> Response:
    code = secrets.token_urlsafe(16)
    _state()["codes"][code] = {
        "user": user_id,
        "challenge": params.get("code_challenge", ""),
        "method": params.get("code_challenge_method", ""),
        "redirect_uri": params.get("redirect_uri", ""),
        "client_id": params.get("client_id", ""),
        "expires": time.time() + CODE_TTL,
    }
    query = urlencode({"code": code, "state": params.get("state", "")})
    sep = "&" if "?" in params["redirect_uri"] else "?"
    return redirect(f"{params['redirect_uri']}{sep}{query}", 302)  # type: ignore[return-value]


@signin_bp.get("/oauth/authorize")
def authorize() -> Response:
    """The login page: every active sample user as a link; ``login_hint`` signs one in."""
    params = request.args.to_dict()
    if params.get("response_type") != "code" or not params.get("redirect_uri"):
        return Response("response_type=code and redirect_uri are required", 400)
    if params.get("client_id") != fake().client_id:
        return Response("unknown client_id", 400)
    users = {u["id"]: u for u in fake().org.users.values() if u["state"] == "active"}
    hint = params.get("login_hint", "")
    if hint in users:
        return _redirect_with_code(params, hint)
    items = "".join(
        f'<li><a href="?{html.escape(urlencode({**params, "login_hint": uid}))}">'
        f"{html.escape(u['name'])}</a> ({html.escape(u['title'])})</li>"
        for uid, u in users.items()
    )
    page = (
        '<!doctype html><html lang="en"><head><title>Fake Genesys Cloud sign-in</title></head>'
        f"<body><main><h1>Sign in as</h1><ul>{items}</ul></main></body></html>"
    )
    return Response(page, mimetype="text/html")


def _client_ok(form: dict[str, str]) -> bool:
    found = client_credentials(form)
    f = fake()
    return found is not None and found[0] == f.client_id and found[1] in ("", f.client_secret)


def _pkce_ok(grant: dict[str, Any], verifier: str) -> bool:
    return grant["method"] == "S256" and pkce_matches(grant["challenge"], verifier)


@signin_bp.before_app_request
def code_exchange() -> Response | None:
    """``POST /oauth/token`` with ``grant_type=authorization_code`` (others fall through)."""
    if request.path != "/oauth/token" or request.method != "POST":
        return None
    form = request.form.to_dict()
    if form.get("grant_type") != "authorization_code":
        return None
    if not _client_ok(form):
        return oauth_error("invalid_client", 401)
    grant = _state()["codes"].pop(form.get("code", ""), None)
    if grant is None or grant["expires"] < time.time():
        return oauth_error("invalid_grant")
    if grant["redirect_uri"] != form.get("redirect_uri", ""):
        return oauth_error("invalid_grant")
    if not _pkce_ok(grant, form.get("code_verifier", "")):
        return oauth_error("invalid_grant")
    token = fake().issue_token()
    _state()["users"][token] = grant["user"]
    return jsonify({"access_token": token, "token_type": "bearer", "expires_in": 86400})


def _me() -> str:
    header = request.headers.get("Authorization", "")
    user = _state()["users"].get(header[7:].strip())
    if user is None:
        raise FakeError(400, "bad.request", "This token is not a user's token.")
    return str(user)


@signin_bp.get("/api/v2/users/me")
def users_me() -> Response:
    """The token's user; ``expand=authorization`` adds roles and permissions."""
    user = dict(fake().org.users[_me()])
    if "authorization" in request.args.get("expand", ""):
        perms = PERMISSIONS_BY_TITLE.get(user.get("title", ""), [])
        user["authorization"] = {
            "roles": [{"id": "role-" + user.get("title", "").replace(" ", "-"), "name": "x"}],
            "permissions": perms,
        }
    return jsonify(user)


@signin_bp.get("/api/v2/users/<user_id>/directreports")
def direct_reports(user_id: str) -> Response:
    """Users whose manager is ``user_id`` (active and inactive, as Genesys lists them)."""
    users = [
        u
        for u in fake().org.users.values()
        if (u.get("manager") or {}).get("id") == user_id and u["state"] != "deleted"
    ]
    return jsonify(users)
