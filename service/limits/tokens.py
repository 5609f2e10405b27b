"""One upstream access token for every process, kept encrypted in the database.

The first process that needs a token takes a short lease on the credential's row, fetches the
token and stores it; the others wait for it and read it. The token is encrypted with a key
derived from the client secret (which the database does not hold) and is never logged.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from service.db import utcnow
from service.limits.models import SharedToken
from service.limits.store import limits_engine


def credential_key(login_url: str, client_id: str) -> str:
    """The row key of a credential: a hash of the login host and client id (64 hex digits)."""
    return hashlib.sha256(f"{login_url.rstrip('/')}\n{client_id}".encode()).hexdigest()


def _fernet(secret: str) -> Fernet:
    digest = hashlib.sha256(b"qmloop shared token\n" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


@dataclass(frozen=True)
class StoredToken:
    """A token read back from the store, with when to refresh it."""

    value: str
    refresh_after: datetime


class TokenStore:
    """The shared token of one credential on one database.

    ``secret`` keys the encryption (the client secret); ``key`` is ``credential_key(...)``.
    """

    def __init__(self, engine: Engine, key: str, secret: str, owner: str | None = None) -> None:
        self._app_engine = engine
        self._engine: Engine | None = None
        self.key = key
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self._fernet = _fernet(secret)

    @property
    def engine(self) -> Engine:
        """The engine of the store (resolved on first use: see ``service.limits.store``)."""
        if self._engine is None:
            self._engine = limits_engine(self._app_engine)
        return self._engine

    def read(self) -> StoredToken | None:
        """The stored token while it is fresh enough to use, else None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(SharedToken.ciphertext, SharedToken.refresh_after).where(
                    SharedToken.key == self.key
                )
            ).first()
        if row is None or not row.ciphertext or row.refresh_after is None:
            return None
        if row.refresh_after <= utcnow():
            return None
        try:
            value = self._fernet.decrypt(row.ciphertext.encode()).decode()
        except InvalidToken:
            return None  # stored under another secret: fetch a new one
        return StoredToken(value, row.refresh_after)

    def try_lease(self, seconds: float) -> bool:
        """Take the right to fetch the next token for ``seconds``; False while another has it."""
        now = utcnow()
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(SharedToken)
                .where(
                    SharedToken.key == self.key,
                    or_(SharedToken.lease_until.is_(None), SharedToken.lease_until < now),
                )
                .values(lease_owner=self.owner[:100], lease_until=now + timedelta(seconds=seconds))
            ).rowcount
        if taken:
            return True
        return self._create_leased(now, seconds)

    def _create_leased(self, now: datetime, seconds: float) -> bool:
        """First use of the credential: insert its row already leased (one process wins)."""
        try:
            with self.engine.begin() as conn:
                exists = conn.execute(
                    select(SharedToken.key).where(SharedToken.key == self.key)
                ).first()
                if exists:
                    return False
                conn.execute(
                    insert(SharedToken).values(
                        key=self.key,
                        ciphertext="",
                        fetches=0,
                        lease_owner=self.owner[:100],
                        lease_until=now + timedelta(seconds=seconds),
                        updated_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    def save(self, value: str, lifetime_seconds: float, margin_seconds: float) -> datetime:
        """Store a fetched token and release the lease; returns when to refresh it."""
        now = utcnow()
        refresh_after = now + timedelta(seconds=max(lifetime_seconds - margin_seconds, 0.0))
        with self.engine.begin() as conn:
            conn.execute(
                update(SharedToken)
                .where(SharedToken.key == self.key)
                .values(
                    ciphertext=self._fernet.encrypt(value.encode()).decode(),
                    refresh_after=refresh_after,
                    expires_at=now + timedelta(seconds=lifetime_seconds),
                    fetches=SharedToken.fetches + 1,
                    lease_owner=None,
                    lease_until=None,
                    updated_at=now,
                )
            )
        return refresh_after

    def release(self) -> None:
        """Give the lease back without a token (the fetch failed)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(SharedToken)
                .where(SharedToken.key == self.key, SharedToken.lease_owner == self.owner[:100])
                .values(lease_owner=None, lease_until=None)
            )

    def fetches(self) -> int:
        """How many tokens were fetched for this credential, by every process."""
        with self.engine.connect() as conn:
            count = conn.scalar(select(SharedToken.fetches).where(SharedToken.key == self.key))
        return int(count or 0)


def shared_token(
    store: TokenStore,
    fetch: Callable[[], tuple[str, float]],
    margin: Callable[[float], float],
    *,
    stale: str | None,
    lease_seconds: float,
    sleep: Callable[[float], None],
    poll_seconds: float = 0.05,
) -> StoredToken:
    """A fresh token from the store, fetched by this process only when nobody else is.

    ``fetch`` returns ``(token, lifetime seconds)``; ``margin(lifetime)`` is how long before
    expiry to refresh; ``stale`` is a token the upstream refused (never handed back).
    Raises whatever ``fetch`` raises (the lease is released first).
    """
    while True:
        found = store.read()
        if found is not None and found.value != stale:
            return found
        if store.try_lease(lease_seconds):
            found = store.read()  # another process may have stored one since we looked
            if found is not None and found.value != stale:
                store.release()
                return found
            try:
                value, lifetime = fetch()
            except BaseException:
                store.release()
                raise
            return StoredToken(value, store.save(value, lifetime, margin(lifetime)))
        sleep(poll_seconds)  # another process is fetching: its token will be there shortly
