"""Pure credential rules: parsing, constant-time comparison, token claims."""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

ROLES = ("integration", "admin", "supervisor", "evaluator", "agent")
PERSON_ROLES = ROLES[1:]  # person tokens: they must name the person (a Genesys user id)
# Genesys writes a grant on every division (present and future) with the division id "*".
ALL_DIVISIONS = "*"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a client id, its role and, for people, the Genesys user id."""

    subject: str
    role: str
    user_id: str = ""
    # The Genesys divisions whose people, queues and evaluations this person may see; None is
    # every division (the integration credential, a grant on "*", tokens issued without one).
    divisions: frozenset[str] | None = None

    @property
    def is_staff(self) -> bool:
        """Integration clients, admins and supervisors see every agent's data."""
        return self.role in ("integration", "admin", "supervisor")

    @property
    def division_scoped(self) -> bool:
        """True when reads must be cut to the person's divisions (``docs/governance.md``).

        Agents are not: they only ever see their own rows, whatever their division.
        """
        return self.divisions is not None and self.role not in ("integration", "agent")


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


def token_claims(
    subject: str,
    role: str,
    user_id: str,
    now: int,
    ttl: int,
    divisions: frozenset[str] | None = None,
) -> dict[str, object]:
    """The claims of an access token issued at ``now`` (epoch seconds) for ``ttl`` seconds.

    ``div`` is ``"*"`` (every division) or the sorted division ids (``divisions_claim``).
    """
    return {
        "iss": "qmloop",
        "sub": subject,
        "role": role,
        "uid": user_id,
        "div": divisions_claim(divisions),
        "iat": now,
        "exp": now + ttl,
    }


def divisions_claim(divisions: frozenset[str] | None) -> str | list[str]:
    """A division set as stored in tokens and web sessions: ``"*"`` or sorted ids."""
    return ALL_DIVISIONS if divisions is None else sorted(divisions)


def parse_divisions(value: object) -> frozenset[str] | None:
    """The division set of a ``div`` claim: None (all) for ``"*"``, a missing claim or a list
    holding ``"*"``; the ids of a list of strings; raises ``ValueError`` for anything else."""
    if value is None or value == ALL_DIVISIONS:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError("div must be '*' or a list of division ids")
    ids = frozenset(v.strip() for v in value)
    return None if ALL_DIVISIONS in ids else ids


def claims_valid(claims: dict[str, object], now: int) -> bool:
    """True when the claims are ours, name a known role, name the person, and have not expired.

    A person token (every role but ``integration``) without a user id is invalid: row-level
    rules (own assignments, own calibration scores) need to know whose rows are theirs.
    """
    exp = claims.get("exp")
    uid = claims.get("uid")
    try:
        parse_divisions(claims.get("div"))
    except ValueError:
        return False
    person_ok = claims.get("role") not in PERSON_ROLES or (isinstance(uid, str) and uid.strip())
    return (
        claims.get("iss") == "qmloop"
        and claims.get("role") in ROLES
        and bool(person_ok)
        and isinstance(exp, int)
        and now < exp
    )
