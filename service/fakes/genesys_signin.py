"""Fake Genesys sign-in: ``/oauth/authorize`` (a page listing the sample users; ``login_hint``
picks one directly), the authorization-code exchange on ``/oauth/token`` with PKCE checked,
``/api/v2/users/me?expand=authorization``, ``/api/v2/authorization/subjects/me`` (the grants:
a role in a division), ``/api/v2/users/{id}/directreports`` and the paged ``/api/v2/users``.

Permissions come from each sample user's title (Team Lead: supervisor, Quality Analyst:
evaluator, agents: agent), granted in the user's own division, as a real org's roles would; every
user also holds the default Employee role in the home division.
"""

from __future__ import annotations

import html
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, jsonify, redirect, request

from service.fakes.genesys_http import FakeError, fake
from service.fakes.genesys_sample import DIVISION, DIVISIONS
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
EMPLOYEE = ["coaching:appointment:view"]  # Genesys's default role, granted in the home division
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


def grant_in(app: Flask, user_id: str, divisions: list[str]) -> None:
    """Grant the user's title role in ``divisions`` instead of their own division (tests)."""
    with app.app_context():
        _state().setdefault("grants", {})[user_id] = list(divisions)


def _role_json(name: str, permissions: list[str], full: bool) -> dict[str, Any]:
    """An ``AuthzGrantRole``; its policies only with ``includeFullRoles=true``."""
    role: dict[str, Any] = {"id": "role-" + name.replace(" ", "-").lower(), "name": name}
    if full:
        role["policies"] = [
            {"domain": d, "entityName": e, "actions": [a]}
            for d, e, a in (p.split(":") for p in permissions)
        ]
    return role


def _grant_json(user_id: str, division_id: str, role: dict[str, Any]) -> dict[str, Any]:
    div: dict[str, Any] = {
        "id": division_id,
        "selfUri": f"/api/v2/authorization/divisions/{division_id}",
    }
    if division_id in DIVISIONS:
        div.update(DIVISIONS[division_id], homeDivision=division_id == DIVISION["id"])
    return {
        "subjectId": user_id,
        "division": div,
        "role": role,
        "grantMadeAt": "2026-01-05T09:00:00.000Z",
    }


@signin_bp.get("/api/v2/authorization/subjects/me")
def subjects_me() -> Response:
    """The token's user as an ``AuthzSubject``: each grant is a role in one division.

    ``grant_in(app, user_id, divisions)`` moves a user's title role to other divisions, e.g.
    ``["*"]``, Genesys's grant on every division.
    """
    user = fake().org.users[_me()]
    full = request.args.get("includeFullRoles", "") == "true"
    title = user.get("title", "")
    role = _role_json(title, PERMISSIONS_BY_TITLE.get(title, []), full)
    divisions = _state().get("grants", {}).get(user["id"]) or [user["division"]["id"]]
    grants = [_grant_json(user["id"], d, role) for d in divisions]
    grants.append(_grant_json(user["id"], DIVISION["id"], _role_json("Employee", EMPLOYEE, full)))
    return jsonify(
        {
            "id": user["id"],
            "name": user["name"],
            "grants": grants,
            "version": 1,
            "selfUri": f"/api/v2/authorization/subjects/{user['id']}",
        }
    )


@signin_bp.get("/api/v2/users")
def list_users() -> Response:
    """A page of users (``UserEntityListing``); ``state=any`` includes inactive and deleted."""
    size = min(max(request.args.get("pageSize", 25, type=int) or 25, 1), 500)
    number = max(request.args.get("pageNumber", 1, type=int) or 1, 1)
    wanted = request.args.get("state", "active")
    users = [u for u in fake().org.users.values() if wanted == "any" or u["state"] == wanted]
    page = users[(number - 1) * size : number * size]
    count = max(1, -(-len(users) // size))
    return jsonify(
        {
            "entities": page,
            "pageSize": size,
            "pageNumber": number,
            "total": len(users),
            "pageCount": count,
            "selfUri": f"/api/v2/users?pageSize={size}&pageNumber={number}",
        }
    )


@signin_bp.get("/api/v2/users/<user_id>/directreports")
def direct_reports(user_id: str) -> Response:
    """Users whose manager is ``user_id`` (active and inactive, as Genesys lists them)."""
    users = [
        u
        for u in fake().org.users.values()
        if (u.get("manager") or {}).get("id") == user_id and u["state"] != "deleted"
    ]
    return jsonify(users)
