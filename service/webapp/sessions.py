"""Server-side browser sessions behind Flask's ``session`` (the cookie holds a random id only).

The data (who signed in, the CSRF token, the OAuth state and PKCE verifier during sign-in) lives
in ``web_sessions``; the cookie is ``HttpOnly``, ``Secure`` over HTTPS (always when embedded),
``SameSite=Lax`` (``None`` when embedded in Genesys Cloud). A session ends at ``expires_at``
(``QM_WEB_SESSION_TTL_SECONDS`` after it was created; sign-in starts a new one) or at sign-out.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import CallbackDict

from service.db import get_db, utcnow
from service.settings import Settings
from service.webapp.models import WebSession

log = logging.getLogger(__name__)

COOKIE = "qm_web"


def hash_sid(sid: str) -> str:
    """The stored key of a cookie value (SHA-256 hex)."""
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """The dict behind ``flask.session``; ``rotate()`` gives it a new id (at sign-in)."""

    def __init__(self, data: dict[str, Any] | None = None, sid: str = "", expires: Any = None):
        def on_update(_self: Any) -> None:
            self.modified = True

        super().__init__(data or {}, on_update)
        self.sid = sid
        self.expires_at: datetime | None = expires
        self.modified = False
        self.rotated_from = ""
        self.ended = False

    def rotate(self) -> None:
        """A fresh id and expiry (against session fixation); the old row is deleted."""
        self.rotated_from = self.rotated_from or self.sid
        self.sid = ""
        self.expires_at = None
        self.modified = True

    def end(self) -> None:
        """Sign out: delete the row and the cookie."""
        self.clear()
        self.ended = True


class ServerSessionInterface(SessionInterface):
    """Sessions stored in the ``web_sessions`` table of the app's database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        sid = request.cookies.get(COOKIE, "")
        if not sid or len(sid) > 128:
            return ServerSession()
        try:
            with get_db(app).session_scope() as db:
                row = db.get(WebSession, hash_sid(sid))
                if row is None or row.expires_at <= utcnow():
                    return ServerSession()
                return ServerSession(dict(row.data or {}), sid, row.expires_at)
        except SQLAlchemyError:
            log.warning("web session lookup failed; treating the request as signed out")
            return ServerSession()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not isinstance(session, ServerSession):
            return
        if session.ended:
            self._delete(app, session.rotated_from or session.sid)
            if session.sid:
                self._delete(app, session.sid)
            response.delete_cookie(COOKIE, path="/", httponly=True)
            return
        if not session.modified:
            return
        try:
            self._store(app, session, response)
        except SQLAlchemyError:  # the page already answered; the session is not kept
            log.warning("web session not saved: the database is unavailable")

    def _store(self, app: Flask, session: ServerSession, response: Response) -> None:
        if session.rotated_from:
            self._delete(app, session.rotated_from)
        now = utcnow()
        if not session.sid:
            session.sid = secrets.token_urlsafe(32)
            session.expires_at = now + timedelta(seconds=self.settings.web_session_ttl_seconds)
        with get_db(app).session_scope() as db:
            row = db.get(WebSession, hash_sid(session.sid))
            if row is None:
                row = WebSession(id=hash_sid(session.sid), expires_at=session.expires_at)
                db.add(row)
            row.data = dict(session)
            row.user_id = str(session.get("uid", ""))
        self._set_cookie(response, session)

    def _set_cookie(self, response: Response, session: ServerSession) -> None:
        from flask import request

        embedded = self.settings.web_embedded
        response.set_cookie(
            COOKIE,
            session.sid,
            expires=session.expires_at,
            path="/",
            httponly=True,
            secure=embedded or request.is_secure,
            samesite="None" if embedded else "Lax",
        )

    @staticmethod
    def _delete(app: Flask, sid: str) -> None:
        if not sid:
            return
        with get_db(app).session_scope() as db:
            db.execute(delete(WebSession).where(WebSession.id == hash_sid(sid)))


def purge_expired(app: Flask, now: datetime | None = None) -> int:
    """Delete expired sessions; returns how many (run from any cron or the worker)."""
    with get_db(app).session_scope() as db:
        result = db.execute(delete(WebSession).where(WebSession.expires_at <= (now or utcnow())))
        return int(getattr(result, "rowcount", 0) or 0)
