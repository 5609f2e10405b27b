"""What the fake authorization servers (Genesys sign-in, OpenID Connect) check alike: the
client's credentials (HTTP Basic or form fields) and the PKCE verifier."""

from __future__ import annotations

import base64
import hashlib

from flask import Response, jsonify, request


def client_credentials(form: dict[str, str]) -> tuple[str, str] | None:
    """(client id, secret) from ``Authorization: Basic`` or the form; None when unreadable."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return form.get("client_id", ""), form.get("client_secret", "")
    try:
        cid, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return cid, secret


def pkce_matches(challenge: str, verifier: str) -> bool:
    """RFC 7636 S256: ``BASE64URL(SHA256(verifier)) == challenge`` (no padding)."""
    if not verifier or not challenge:
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge


def oauth_error(error: str, status: int = 400) -> Response:
    """An RFC 6749 error answer: ``{"error": ...}``."""
    resp = jsonify({"error": error})
    resp.status_code = status
    return resp
