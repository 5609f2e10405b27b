"""Pure credential rules: parsing, constant-time comparison, token claims."""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

ROLES = ("integration", "admin", "supervisor", "evaluator", "agent")
PERSON_ROLES = ROLES[1:]  # person tokens: they must name the person (a Genesys user id)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a client id, its role and, for people, the Genesys user id."""

    subject: str
    role: str
    user_id: str = ""

    @property
    def is_staff(self) -> bool:
        """Integration clients, admins and supervisors see every agent's data."""
        return self.role in ("integration", "admin", "supervisor")


def secrets_match(given: str, expected: str) -> bool:
    """Compare two secrets in constant time; an empty expected secret never matches."""
    if not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def parse_basic(header: str) -> tuple[str, str] | None:
    """Split an ``Authorization: Basic`` header into (id, secret), or None if malformed."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, secret = decoded.partition(":")
    if not sep:
        return None
    return user, secret


def parse_bearer(header: str) -> str | None:
    """Return the token of an ``Authorization: Bearer`` header, or None."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def token_claims(subject: str, role: str, user_id: str, now: int, ttl: int) -> dict[str, object]:
    """The claims of an access token issued at ``now`` (epoch seconds) for ``ttl`` seconds."""
    return {
        "iss": "qmloop",
        "sub": subject,
        "role": role,
        "uid": user_id,
        "iat": now,
        "exp": now + ttl,
    }


def claims_valid(claims: dict[str, object], now: int) -> bool:
    """True when the claims are ours, name a known role, name the person, and have not expired.

    A person token (every role but ``integration``) without a user id is invalid: row-level
    rules (own assignments, own calibration scores) need to know whose rows are theirs.
    """
    exp = claims.get("exp")
    uid = claims.get("uid")
    person_ok = claims.get("role") not in PERSON_ROLES or (isinstance(uid, str) and uid.strip())
    return (
        claims.get("iss") == "qmloop"
        and claims.get("role") in ROLES
        and bool(person_ok)
        and isinstance(exp, int)
        and now < exp
    )
