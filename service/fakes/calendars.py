"""Local fakes of Microsoft Graph ``getSchedule`` and Google Calendar ``freeBusy`` over HTTP.

One small Flask app serves both, with their token endpoints (client credentials for Graph, a
JWT-bearer assertion for Google), their JSON shapes, and fault switches: the next ``n`` calls
answer 429 (with ``Retry-After``) or 5xx, or the whole service is down (503).
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from datetime import datetime
from typing import Any

from flask import Flask, Response, jsonify, request

Json = dict[str, Any]


class FakeCalendars:
    """State of the fake calendars: busy intervals per email, tokens, faults, call counts."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.busy: dict[str, list[tuple[datetime, datetime]]] = {}
        self.tokens: set[str] = set()
        self.calls: Counter[str] = Counter()
        self.fail_next: list[tuple[int, float | None]] = []
        self.down = False
        self.app = self._build()

    def add_busy(self, email: str, start: datetime, end: datetime) -> None:
        """Mark ``email`` busy from ``start`` to ``end``."""
        with self.lock:
            self.busy.setdefault(email.lower(), []).append((start, end))

    def fail(self, n: int, status: int = 503, retry_after: float | None = None) -> None:
        """Answer the next ``n`` calls with ``status``."""
        with self.lock:
            self.fail_next.extend([(status, retry_after)] * n)

    def _fault(self) -> Response | None:
        with self.lock:
            self.calls[request.path.split("/")[1]] += 1
            if self.down:
                status, retry = 503, None
            elif self.fail_next:
                status, retry = self.fail_next.pop(0)
            else:
                return None
        resp = jsonify({"error": {"code": "fault", "message": "Injected fault"}})
        resp.status_code = status
        if retry is not None:
            resp.headers["Retry-After"] = str(int(retry))
        return resp

    def _authorized(self) -> bool:
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and header[7:] in self.tokens

    def _token(self) -> Response:
        form = request.form
        grant = form.get("grant_type", "")
        ok = (grant == "client_credentials" and form.get("client_secret")) or (
            grant == "urn:ietf:params:oauth:grant-type:jwt-bearer" and form.get("assertion")
        )
        if not ok:
            resp = jsonify({"error": "invalid_grant"})
            resp.status_code = 400
            return resp
        token = secrets.token_urlsafe(16)
        with self.lock:
            self.tokens.add(token)
        return jsonify({"access_token": token, "token_type": "Bearer", "expires_in": 3599})

    def _busy_of(self, email: str, lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
        with self.lock:
            return [(s, e) for s, e in self.busy.get(email.lower(), []) if s < hi and lo < e]

    def _graph(self, email: str) -> Response:
        data = request.get_json(silent=True) or {}
        lo = _parse(data.get("startTime", {}).get("dateTime"))
        hi = _parse(data.get("endTime", {}).get("dateTime"))
        values = []
        for who in data.get("schedules") or [email]:
            items = [
                {
                    "isPrivate": False,
                    "status": "busy",
                    "subject": "Busy",
                    "start": {"dateTime": _graph_time(s), "timeZone": "UTC"},
                    "end": {"dateTime": _graph_time(e), "timeZone": "UTC"},
                }
                for s, e in self._busy_of(who, lo, hi)
            ]
            values.append({"scheduleId": who, "availabilityView": "", "scheduleItems": items})
        return jsonify({"value": values})

    def _google(self) -> Response:
        data = request.get_json(silent=True) or {}
        lo, hi = _parse(data.get("timeMin")), _parse(data.get("timeMax"))
        calendars = {
            item["id"]: {
                "busy": [
                    {"start": s.isoformat(), "end": e.isoformat()}
                    for s, e in self._busy_of(item["id"], lo, hi)
                ]
            }
            for item in data.get("items") or []
        }
        return jsonify({"kind": "calendar#freeBusy", "calendars": calendars})

    def _build(self) -> Flask:
        app = Flask("fake_calendars")

        @app.before_request
        def _before() -> Response | None:
            fault = self._fault()
            if fault is not None:
                return fault
            if request.path.endswith("/token") or self._authorized():
                return None
            resp = jsonify({"error": {"code": "InvalidAuthenticationToken"}})
            resp.status_code = 401
            return resp

        app.add_url_rule("/graph/token", "graph_token", self._token, methods=["POST"])
        app.add_url_rule("/google/token", "google_token", self._token, methods=["POST"])
        app.add_url_rule(
            "/v1.0/users/<email>/calendar/getSchedule", "graph", self._graph, methods=["POST"]
        )
        app.add_url_rule("/calendar/v3/freeBusy", "google", self._google, methods=["POST"])
        return app


def _parse(value: Any) -> datetime:
    from service.sentiment.slots import parse_time

    parsed = parse_time(value)
    if parsed is None:
        raise ValueError(f"bad time {value!r}")
    return parsed


def _graph_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.0000000")
