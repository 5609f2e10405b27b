"""Encryption at rest of raw LLM payloads and transcripts (``cryptography``'s MultiFernet).

Keys come from ``QM_GOVERNANCE_ENCRYPTION_KEYS``: a comma-separated list of Fernet keys
(``qmloop governance keygen``), newest first. The first key encrypts; every key decrypts, so a
new key can be put in front and old rows still read; ``qmloop governance rotate`` re-encrypts every
stored value under the first key, after which old keys can be removed (docs/governance.md).
Without keys, values are stored as plain JSON (a warning is logged at start-up).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

PREFIX = "fernet:"


class KeyError_(ValueError):
    """A configured key is not a valid Fernet key, or a value cannot be decrypted."""


class Cipher:
    """The process's keys (set by ``configure``); ``None`` keys store plain JSON."""

    fernet: MultiFernet | None = None


def parse_keys(raw: str) -> MultiFernet | None:
    """A MultiFernet of the comma-separated keys, or None when empty; raises ``KeyError_``."""
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    if not keys:
        return None
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError) as exc:
        raise KeyError_(
            "QM_GOVERNANCE_ENCRYPTION_KEYS: each key must be a urlsafe base64 32-byte Fernet key "
            "(qmloop governance keygen)"
        ) from exc


def configure(raw_keys: str) -> None:
    """Set the process's keys; raises ``KeyError_`` on a malformed key."""
    Cipher.fernet = parse_keys(raw_keys)
    if Cipher.fernet is None:
        log.debug("QM_GOVERNANCE_ENCRYPTION_KEYS is empty: LLM payloads stored unencrypted")


def encrypt_json(value: Any, fernet: MultiFernet | None = None) -> str:
    """The stored text of a JSON value: ``fernet:<token>`` with keys, else plain JSON."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True)
    f = fernet or Cipher.fernet
    return text if f is None else PREFIX + f.encrypt(text.encode()).decode()


def decrypt_json(stored: str, fernet: MultiFernet | None = None) -> Any:
    """The JSON value of a stored text; raises ``KeyError_`` when no key decrypts it."""
    if not stored.startswith(PREFIX):
        return json.loads(stored)
    f = fernet or Cipher.fernet
    if f is None:
        raise KeyError_("encrypted value but QM_GOVERNANCE_ENCRYPTION_KEYS is empty")
    try:
        return json.loads(f.decrypt(stored[len(PREFIX) :].encode()))
    except InvalidToken as exc:
        raise KeyError_("no configured key decrypts this value (a removed key?)") from exc


def rotate_text(stored: str, fernet: MultiFernet) -> str:
    """A stored text re-encrypted under the first key (plain JSON gets encrypted)."""
    if not stored.startswith(PREFIX):
        return encrypt_json(json.loads(stored), fernet)
    return PREFIX + fernet.rotate(stored[len(PREFIX) :].encode()).decode()


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value stored as text, encrypted with the process's keys when configured."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """Encrypt on the way in."""
        return None if value is None else encrypt_json(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        """Decrypt on the way out."""
        return None if value is None else decrypt_json(value)


def rotate_all(session: Any, fernet: MultiFernet) -> int:
    """Re-encrypt LLM payloads and inline transcripts under the first key; the count rewritten.

    Reads the stored text directly (not through EncryptedJSON), so rows encrypted under any
    configured key, or stored plain, are rewritten; raises ``InvalidToken`` when none decrypts.
    """
    from sqlalchemy import text

    from service.jobs.models import Job

    n = 0
    rows = session.execute(text("SELECT id, request, response FROM scoring_llm_calls")).all()
    for row_id, request, response in rows:
        session.execute(
            text("UPDATE scoring_llm_calls SET request = :a, response = :b WHERE id = :id"),
            {"a": rotate_text(request, fernet), "b": rotate_text(response, fernet), "id": row_id},
        )
        n += 2
    for job in session.query(Job).all():
        value = job.payload.get("transcript")
        if isinstance(value, str):
            job.payload = {**job.payload, "transcript": rotate_text(value, fernet)}
            n += 1
    return n
