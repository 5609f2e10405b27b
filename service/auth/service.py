"""Issue and check credentials: the OAuth client-credentials token and HTTP Basic."""

from __future__ import annotations

import hashlib
import time

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from service.auth.rules import (
    PERSON_ROLES,
    Principal,
    claims_valid,
    parse_basic,
    parse_bearer,
    parse_divisions,
    secrets_match,
    token_claims,
)
from service.errors import Unauthorized
from service.settings import Settings


def _signing_key(settings: Settings) -> OctKey:
    # Tokens are signed with the server secret bound to the client secret, so rotating
    # either one revokes every token issued before.
    material = (
        settings.secret_key.get_secret_value() + "\0" + settings.client_secret.get_secret_value()
    )
    return OctKey.import_key(hashlib.sha256(material.encode("utf-8")).digest())


def client_valid(settings: Settings, client_id: str, secret: str) -> bool:
    """True when the id and secret are the configured integration credential."""
    id_ok = secrets_match(client_id, settings.client_id)
    secret_ok = secrets_match(secret, settings.client_secret.get_secret_value())
    return id_ok and secret_ok


def issue_token(
    settings: Settings,
    subject: str,
    role: str = "integration",
    user_id: str = "",
    divisions: frozenset[str] | None = None,
) -> str:
    """Sign an access token for the subject; ``divisions`` None is every division.

    Raises ``ValueError`` for a person without an id or an empty division set.
    """
    if role in PERSON_ROLES and not user_id.strip():
        raise ValueError("a person token needs a non-empty user id")
    if divisions is not None and not divisions:
        raise ValueError("a division-scoped token needs at least one division id")
    now = int(time.time())
    claims = token_claims(subject, role, user_id, now, settings.token_ttl_seconds, divisions)
    return jwt.encode({"alg": "HS256"}, claims, _signing_key(settings))


def verify_token(settings: Settings, token: str) -> Principal:
    """Return the token's principal; raises ``Unauthorized`` if forged or expired."""
    try:
        claims = dict(jwt.decode(token, _signing_key(settings), algorithms=["HS256"]).claims)
    except (JoseError, ValueError, TypeError) as exc:
        raise Unauthorized("The access token is invalid.", code="invalid_token") from exc
    if not claims_valid(claims, int(time.time())):
        raise Unauthorized("The access token is expired or invalid.", code="invalid_token")
    return Principal(
        str(claims["sub"]),
        str(claims["role"]),
        str(claims.get("uid") or ""),
        parse_divisions(claims.get("div")),
    )


def authenticate(settings: Settings, authorization: str) -> Principal:
    """Check a Bearer token or HTTP Basic credential; raises ``Unauthorized``."""
    if not authorization:
        raise Unauthorized("Send a Bearer token or HTTP Basic credentials.", code="missing_auth")
    token = parse_bearer(authorization)
    if token is not None:
        return verify_token(settings, token)
    basic = parse_basic(authorization)
    if basic is not None:
        if client_valid(settings, *basic):
            return Principal(basic[0], "integration")
        raise Unauthorized("The client credentials are wrong.", code="invalid_client")
    raise Unauthorized("Unsupported authorization scheme.", code="invalid_auth_scheme")
