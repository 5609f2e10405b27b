"""The shared upstream access token: one row per credential, read by every process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, utcnow


class SharedToken(Base):
    """An access token cached for every process; ``ciphertext`` is Fernet-encrypted.

    ``key`` names the credential (a hash of the login host and client id, never the secret).
    ``lease_owner``/``lease_until`` say which process is fetching a new token right now.
    """

    __tablename__ = "shared_tokens"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    ciphertext: Mapped[str] = mapped_column(Text, default="")
    refresh_after: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    lease_owner: Mapped[str | None] = mapped_column(String(100), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    fetches: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
