"""A local OpenID Connect provider (the shape Entra ID and Okta serve), over real loopback HTTP.

Endpoints: ``/.well-known/openid-configuration`` (discovery), ``/authorize`` (a page listing its
users; ``login_hint=<sub>`` picks one directly), ``/token`` (authorization code, client
authentication ``client_secret_basic`` or ``client_secret_post``, PKCE S256 checked), ``/jwks``
(the public signing key), ``/userinfo`` (bearer access token). ID tokens are RS256 JWTs signed
with joserfc (authlib's JOSE library) and carry ``iss``, ``aud``, ``sub``, ``nonce``, ``iat``,
``exp``, ``name``, ``email`` and the roles claim.

``FakeOidc.tamper`` makes the next ID tokens misbehave the way a broken or hostile provider
would, for the refusal tests: ``{"nonce": "x"}``, ``{"aud": "x"}``, ``{"iss": "x"}``,
``{"exp_offset": -3600}``, ``{"foreign_key": True}`` (signed by a key not in the JWKS),
``{"extra": {...}}`` (claims added as given, e.g. an ``azp`` naming our client).
"""

from __future__ import annotations

import html
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey

from service.fakes.oauth_checks import client_credentials, oauth_error, pkce_matches
from service.fakes.server import ServerThread

KID = "fake-oidc-1"
TOKEN_TTL = 300


@dataclass
class OidcUser:
    """A person at the provider: ``sub``, display name, email and role (group) names."""

    sub: str
    name: str
    email: str
    roles: list[str] = field(default_factory=list)


SAMPLE_USERS = (
    OidcUser("oidc-agent-1", "Ada Agent", "ada@example.test", ["QM.Agent"]),
    OidcUser("oidc-sup-1", "Sam Supervisor", "sam@example.test", ["QM.Supervisor"]),
    OidcUser("oidc-eval-1", "Eve Evaluator", "eve@example.test", ["QM.Evaluator"]),
    OidcUser("oidc-guest-1", "Gus Guest", "gus@example.test", []),
)


class FakeOidc:
    """The provider: ``start()`` serves it on 127.0.0.1; ``url`` is its issuer."""

    def __init__(self, roles_claim: str = "roles") -> None:
        self.client_id = "qm-loop-web"
        self.client_secret = secrets.token_urlsafe(16)
        self.roles_claim = roles_claim
        self.users = {u.sub: u for u in SAMPLE_USERS}
        self.key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig"})
        self.tamper: dict[str, Any] = {}
        self.roles_in_id_token = True
        self.codes: dict[str, dict[str, Any]] = {}
        self.access: dict[str, str] = {}
        self.app = self._build()
        self._server: ServerThread | None = None
        self.url = ""

    def start(self) -> FakeOidc:
        """Serve on a free loopback port."""
        self._server = ServerThread(self.app).start()
        self.url = self._server.url
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.stop()

    def reset(self) -> None:
        """Forget codes and tokens; ID tokens behave again."""
        self.tamper, self.roles_in_id_token = {}, True
        self.codes.clear()
        self.access.clear()

    @property
    def metadata_url(self) -> str:
        """The discovery document's URL (``QM_WEB_OIDC_METADATA_URL``)."""
        return self.url + "/.well-known/openid-configuration"

    def id_token(self, user: OidcUser, nonce: str) -> str:
        """A signed ID token for ``user``, with ``tamper`` applied."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.tamper.get("iss", self.url),
            "aud": self.tamper.get("aud", self.client_id),
            "sub": user.sub,
            "nonce": self.tamper.get("nonce", nonce),
            "iat": now,
            "exp": now + int(self.tamper.get("exp_offset", TOKEN_TTL)),
            "name": user.name,
            "email": user.email,
        }
        if self.roles_in_id_token:
            claims[self.roles_claim] = user.roles
        claims.update(self.tamper.get("extra", {}))
        key = self.key
        if self.tamper.get("foreign_key"):
            key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig"})
        return jwt.encode({"alg": "RS256", "kid": KID}, claims, key)

    def _build(self) -> Flask:
        app = Flask("fake_oidc")
        app.add_url_rule("/.well-known/openid-configuration", view_func=self._discovery)
        app.add_url_rule("/authorize", view_func=self._authorize)
        app.add_url_rule("/token", view_func=self._token, methods=["POST"])
        app.add_url_rule("/jwks", view_func=self._jwks)
        app.add_url_rule("/userinfo", view_func=self._userinfo)
        return app

    def _discovery(self) -> Response:
        return jsonify(
            {
                "issuer": self.url,
                "authorization_endpoint": self.url + "/authorize",
                "token_endpoint": self.url + "/token",
                "jwks_uri": self.url + "/jwks",
                "userinfo_endpoint": self.url + "/userinfo",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "profile", "email"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "code_challenge_methods_supported": ["S256"],
                "claims_supported": ["sub", "name", "email", "nonce", self.roles_claim],
            }
        )

    def _jwks(self) -> Response:
        return jsonify({"keys": [self.key.as_dict(private=False)]})

    def _authorize(self) -> Response:
        params = request.args.to_dict()
        problem = _authorize_problem(params, self.client_id)
        if problem:
            return Response(problem, 400)
        hint = params.get("login_hint", "")
        if hint in self.users:
            return self._redirect_with_code(params, hint)
        items = "".join(
            f'<li><a href="?{html.escape(urlencode({**params, "login_hint": u.sub}))}">'
            f"{html.escape(u.name)}</a></li>"
            for u in self.users.values()
        )
        page = (
            '<!doctype html><html lang="en"><head><title>Fake OpenID Connect sign-in</title>'
            f"</head><body><main><h1>Sign in as</h1><ul>{items}</ul></main></body></html>"
        )
        return Response(page, mimetype="text/html")

    def _redirect_with_code(self, params: dict[str, str], sub: str) -> Response:
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "sub": sub,
            "nonce": params.get("nonce", ""),
            "challenge": params.get("code_challenge", ""),
            "redirect_uri": params["redirect_uri"],
            "expires": time.time() + 60,
        }
        query = urlencode({"code": code, "state": params.get("state", "")})
        return redirect(f"{params['redirect_uri']}?{query}", 302)  # type: ignore[return-value]

    def _token(self) -> Response:
        form = request.form.to_dict()
        if not self._client_ok(form):
            return oauth_error("invalid_client", 401)
        grant = self.codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or grant is None:
            return oauth_error("invalid_grant")
        if grant["expires"] < time.time() or grant["redirect_uri"] != form.get("redirect_uri"):
            return oauth_error("invalid_grant")
        if not pkce_matches(grant["challenge"], form.get("code_verifier", "")):
            return oauth_error("invalid_grant")
        access = secrets.token_urlsafe(24)
        self.access[access] = grant["sub"]
        user = self.users[grant["sub"]]
        return jsonify(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": TOKEN_TTL,
                "scope": "openid profile email",
                "id_token": self.id_token(user, grant["nonce"]),
            }
        )

    def _client_ok(self, form: dict[str, str]) -> bool:
        found = client_credentials(form)
        return (
            found is not None
            and found[0] == self.client_id
            and secrets.compare_digest(found[1], self.client_secret)
        )

    def _userinfo(self) -> Response:
        header = request.headers.get("Authorization", "")
        sub = self.access.get(header.removeprefix("Bearer ").strip())
        if sub is None:
            return oauth_error("invalid_token", 401)
        user = self.users[sub]
        return jsonify(
            {"sub": sub, "name": user.name, "email": user.email, self.roles_claim: user.roles}
        )


def _authorize_problem(params: dict[str, str], client_id: str) -> str:
    if params.get("response_type") != "code" or not params.get("redirect_uri"):
        return "response_type=code and redirect_uri are required"
    if params.get("client_id") != client_id:
        return "unknown client_id"
    if "openid" not in params.get("scope", "").split():
        return "scope must include openid"
    if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
        return "PKCE (code_challenge, S256) is required"
    return ""
