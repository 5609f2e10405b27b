"""Who is signing in: Genesys Cloud OAuth (authorization code + PKCE) or any OpenID Connect
provider, through authlib's Flask client; a supervisor's team from their Genesys direct reports.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, Response
from joserfc.errors import JoseError
from requests import RequestException

from service.db import get_session
from service.directory import service as directory
from service.errors import Forbidden, Unauthorized, UpstreamUnavailable
from service.settings import Settings
from service.webapp import rules

PKCE = {"code_challenge_method": "S256"}


@dataclass
class Person:
    """A signed-in person: Genesys user id, name, role, (supervisors) their team, and the
    Genesys divisions they may see (None: every division; docs/governance.md)."""

    user_id: str
    name: str
    role: str
    team: dict[str, str] = field(default_factory=dict)  # agent id -> name
    divisions: frozenset[str] | None = None


def init_oauth(app: Flask, settings: Settings) -> OAuth:
    """Register the configured providers on an authlib ``OAuth`` registry (``app.extensions``)."""
    oauth = OAuth(app)
    if settings.web_genesys_client_id and settings.genesys_base_url:
        secret = settings.web_genesys_client_secret.get_secret_value()
        login = settings.genesys_login_url
        oauth.register(
            "genesys",
            client_id=settings.web_genesys_client_id,
            client_secret=secret or None,
            authorize_url=f"{login}/oauth/authorize",
            access_token_url=f"{login}/oauth/token",
            api_base_url=settings.genesys_base_url + "/",
            client_kwargs={
                **PKCE,
                "token_endpoint_auth_method": "client_secret_basic" if secret else "none",
                "timeout": settings.genesys_timeout_seconds,
            },
        )
    if settings.web_oidc_metadata_url and settings.web_oidc_client_id:
        oauth.register(
            "oidc",
            client_id=settings.web_oidc_client_id,
            client_secret=settings.web_oidc_client_secret.get_secret_value() or None,
            server_metadata_url=settings.web_oidc_metadata_url,
            client_kwargs={"code_challenge_method": "S256", "scope": "openid profile email"},
        )
    app.extensions["qm_web_oauth"] = oauth
    return oauth


def provider(app: Flask, settings: Settings) -> Any:
    """The authlib client of the configured sign-in; raises ``Forbidden`` when not configured."""
    oauth: OAuth = app.extensions["qm_web_oauth"]
    client = oauth.create_client(settings.web_signin)
    if client is None:
        raise Forbidden(
            f"Sign-in with {settings.web_signin} is not configured (docs/webapp.md).",
            code="signin_not_configured",
        )
    return client


def start(app: Flask, settings: Settings, redirect_uri: str, login_hint: str = "") -> Response:
    """Redirect to the provider's authorization page (state and PKCE verifier in the session)."""
    extra = {"login_hint": login_hint} if login_hint else {}
    client = provider(app, settings)
    try:
        response: Response = client.authorize_redirect(redirect_uri, **extra)
    except (AuthlibBaseError, RequestException, KeyError, ValueError) as exc:
        # OIDC reads the discovery document here: an unreachable or broken provider
        raise UpstreamUnavailable(
            "The sign-in provider could not be reached or sent no usable discovery document "
            "(QM_WEB_OIDC_METADATA_URL); try again later or ask an admin.",
            code="signin_provider_unavailable",
        ) from exc
    return response


def finish(app: Flask, settings: Settings) -> tuple[Person, dict[str, Any]]:
    """Exchange the code (PKCE checked by the provider) and learn who it is.

    Returns the person and the token; raises ``Unauthorized`` (``signin_failed``) when the
    provider refuses and ``Forbidden`` (``no_role``) when no role maps from their permissions.
    """
    client = provider(app, settings)
    try:
        token = client.authorize_access_token(**_id_token_checks(client, settings))
        if settings.web_signin == "oidc":
            return _oidc_person(settings, token, client), token
        return genesys_person(client, settings, token), token
    except (AuthlibBaseError, JoseError, RequestException, KeyError, ValueError) as exc:
        raise Unauthorized(
            f"Sign-in did not complete: {_why(exc)} Start again from the sign-in page; if it "
            f"keeps failing, ask an admin. ({exc})",
            code="signin_failed",
        ) from exc


def _id_token_checks(client: Any, settings: Settings) -> dict[str, Any]:
    """OIDC: the ID token's ``iss`` must be the discovery document's issuer and ``aud`` our
    client id (authlib checks ``aud`` only through ``azp`` unless told). Genesys: none."""
    if settings.web_signin != "oidc":
        return {}
    issuer = client.load_server_metadata().get("issuer")
    return {
        "claims_options": {
            "iss": {"essential": True, "values": [issuer]},
            "aud": {"essential": True, "values": [settings.web_oidc_client_id]},
        }
    }


def _why(exc: Exception) -> str:
    """A sentence for people from an authlib/joserfc error."""
    error = str(getattr(exc, "error", "") or "")
    if error == "mismatching_state":
        return "the answer from the sign-in provider does not belong to this browser's sign-in."
    if error in ("invalid_claim", "missing_claim", "expired_token", "bad_signature") or (
        isinstance(exc, JoseError)
    ):
        return (
            "the identity provider's ID token did not verify (expired, wrong signer or audience)."
        )
    return "the sign-in provider did not accept the exchange."


def genesys_person(client: Any, settings: Settings, token: dict[str, Any]) -> Person:
    """``GET /api/v2/users/me?expand=authorization``, the role mapping, and direct reports."""
    resp = client.get("api/v2/users/me", params={"expand": "authorization"}, token=token)
    resp.raise_for_status()
    me = resp.json()
    permissions = (me.get("authorization") or {}).get("permissions") or []
    role = rules.role_for(permissions, settings.web_role_map)
    if role is None:
        raise Forbidden(
            "Your Genesys Cloud permissions give you no role in QM Loop; ask an admin.",
            code="no_role",
        )
    team = direct_reports(client, str(me["id"]), token) if role in ("supervisor", "admin") else {}
    scope = granted_divisions(client, token, role, settings)
    return Person(str(me["id"]), str(me.get("name") or ""), role, team or {}, scope)


def granted_divisions(
    client: Any, token: dict[str, Any], role: str, settings: Settings
) -> frozenset[str] | None:
    """``GET /api/v2/authorization/subjects/me?includeFullRoles=true``: the divisions in which
    the person holds their QM Loop role (``rules.divisions_for``); None is every division.

    Raises ``requests.HTTPError`` when Genesys refuses (sign-in then fails: no scope, no entry).
    """
    resp = client.get(
        "api/v2/authorization/subjects/me", params={"includeFullRoles": "true"}, token=token
    )
    resp.raise_for_status()
    grants = (resp.json() or {}).get("grants") or []
    return rules.divisions_for(grants, role, settings.web_role_map)


def direct_reports(client: Any, user_id: str, token: dict[str, Any]) -> dict[str, str] | None:
    """``GET /api/v2/users/{id}/directreports`` as {id: name}; None when Genesys refuses.

    Each report's division goes to the directory copy on the way (``service.directory``)."""
    resp = client.get(f"api/v2/users/{user_id}/directreports", token=token)
    if resp.status_code != 200:
        return None
    body = resp.json()
    found = body if isinstance(body, list) else body.get("entities") or []
    users = [u for u in found if isinstance(u, dict)]
    db = get_session()  # their divisions, for the rule; committed now (SQLite: one writer)
    directory.put_entities(db, "user", users)
    db.commit()
    return {str(u["id"]): str(u.get("name") or "") for u in users}


def _oidc_person(settings: Settings, token: dict[str, Any], client: Any = None) -> Person:
    """The person from the verified ID token (authlib checked signature against the JWKS,
    ``iss``, ``aud``, ``exp`` and ``nonce``); the roles claim from the userinfo endpoint when
    the ID token leaves it out (Okta's groups claim often is userinfo-only)."""
    claims = dict(token.get("userinfo") or {})
    if "sub" not in claims:
        raise ValueError("the provider returned no verified ID token")
    if settings.web_oidc_roles_claim not in claims and client is not None:
        extra = client.userinfo(token=token)
        if str(extra.get("sub")) == str(claims["sub"]):
            claims.setdefault(
                settings.web_oidc_roles_claim, extra.get(settings.web_oidc_roles_claim)
            )
    raw = claims.get(settings.web_oidc_roles_claim) or []
    held = [raw] if isinstance(raw, str) else [str(r) for r in raw]
    mapping = {r: [r, *settings.web_role_map.get(r, [])] for r in rules.ROLE_ORDER}
    role = rules.role_for(held, mapping)
    if role is None:
        raise Forbidden("Your account has no QM Loop role; ask an admin.", code="no_role")
    return Person(str(claims["sub"]), str(claims.get("name") or claims.get("email") or ""), role)


def team_is_stale(fetched_at: float, settings: Settings, now: float | None = None) -> bool:
    """True when a cached team is older than ``QM_WEB_TEAM_CACHE_SECONDS``."""
    return (now or time.time()) - fetched_at >= settings.web_team_cache_seconds


def refresh_team(app: Flask, settings: Settings, token: dict[str, Any]) -> dict[str, str] | None:
    """The signed-in supervisor's direct reports again, with their own token; None on failure."""
    from flask import session

    try:
        client = provider(app, settings)
        return direct_reports(client, str(session.get("uid")), token)
    except (OAuthError, RequestException, ValueError, Forbidden):
        return None
