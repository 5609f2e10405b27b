"""Server-side browser sessions: the cookie holds a random id; this table holds the rest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, utcnow


class WebSession(Base):
    """One browser session: who signed in (empty before sign-in) and when it expires.

    ``id`` is the SHA-256 of the cookie value, so a copy of the table cannot be replayed.
    """

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), default="", index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
