"""``POST /oauth/token`` (client credentials, via authlib) and the auth gate for every route."""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from flask import Blueprint, Flask, Response, current_app, g, request

from service.auth import matrix, service
from service.auth.matrix import Access
from service.auth.rules import Principal
from service.errors import Forbidden, Unauthorized
from service.settings import Settings

bp = Blueprint("auth", __name__)


class IntegrationClient(ClientMixin):
    """The one OAuth client: the credential the Genesys integration uses."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def get_client_id(self) -> str:
        return self.settings.client_id

    def get_default_redirect_uri(self) -> str:
        return ""

    def get_allowed_scope(self, scope: str) -> str:
        return ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return service.client_valid(self.settings, self.settings.client_id, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def _authorization_server(app: Flask, settings: Settings) -> AuthorizationServer:
    def query_client(client_id: str) -> IntegrationClient | None:
        if service.secrets_match(client_id, settings.client_id):
            return IntegrationClient(settings)
        return None

    def save_token(token: dict[str, Any], req: Any) -> None:
        return None  # tokens are self-contained and signed; nothing to store

    def generate(
        grant_type: str,
        client: Any,
        user: Any = None,
        scope: Any = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        return {
            "access_token": service.issue_token(settings, client.get_client_id()),
            "token_type": "Bearer",
            "expires_in": settings.token_ttl_seconds,
        }

    server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    server.register_grant(ClientCredentials)
    server.register_token_generator("default", generate)
    return server


@bp.post("/oauth/token")
def token() -> Response:
    """Issue a Bearer token for the integration's client credentials."""
    server: AuthorizationServer = current_app.extensions["qm_oauth"]
    response: Response = server.create_token_response()
    return response


def current_principal() -> Principal:
    """The authenticated caller of this request."""
    principal: Principal | None = g.get("principal")
    if principal is None:
        raise Unauthorized("Not authenticated.")
    return principal


def _check_org(settings: Settings, row: Access) -> None:
    """Refuse an org outside the allow-list; Genesys-called routes must name their org."""
    if not settings.org_allowlist:
        return
    org = request.headers.get("ININ-Organization-Id", "").strip()
    if not org and row.genesys:
        raise Forbidden(
            "Send the ININ-Organization-Id header; this service only answers listed orgs.",
            code="org_header_required",
        )
    if org and org not in settings.org_allowlist:
        raise Forbidden("This Genesys organization is not allowed.", code="org_not_allowed")


def _cookie_principal() -> Principal | None:
    """A signed-in browser's principal (``service.webapp``), only when no Authorization header
    is sent; the web app decides which routes a browser session may reach."""
    if request.headers.get("Authorization"):
        return None
    finder = current_app.extensions.get("qm_cookie_principal")
    found: Principal | None = finder() if finder is not None else None
    return found


def gate(settings: Settings) -> None:
    """Authenticate the caller and apply the matrix row of the endpoint (fails closed)."""
    if request.endpoint is None:
        return  # no route matched: the router answers 404 or 405
    row = matrix.access(request.endpoint)
    if row is None:
        raise Forbidden("This route has no access rule.", code="no_access_rule")
    _check_org(settings, row)
    if row.public:
        return
    principal = _cookie_principal() or service.authenticate(
        settings, request.headers.get("Authorization", "")
    )
    if row.cell(principal.role) == "no":
        raise Forbidden(
            f"The {principal.role} role may not call this route.", code="role_forbidden"
        )
    if principal.division_scoped and request.endpoint in matrix.ALL_DIVISIONS_ONLY:
        raise Forbidden(
            "This route spans every division; your grants cover only some.",
            code="all_divisions_required",
        )
    g.principal = principal


def init_auth(app: Flask, settings: Settings) -> None:
    """Install the token endpoint and gate every request through the authorization matrix."""
    app.extensions["qm_oauth"] = _authorization_server(app, settings)
    app.register_blueprint(bp)
    app.before_request(lambda: gate(settings))
