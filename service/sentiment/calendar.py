"""The facilitator's external calendar: Microsoft Graph ``getSchedule`` or Google ``freeBusy``.

Seed 001 edge case 1: a supervisor in a meeting Genesys does not know about. Both clients use
app-only credentials (Graph: client credentials; Google: a service account's signed JWT) and
answer busy intervals; any failure (unreachable, 429, 5xx, a refused token) raises
``CalendarUnavailable`` and the policy decides: retry through the queue, or book on Genesys
availability alone with a visible flag.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, Protocol

import requests

from service.sentiment.slots import Interval, parse_time
from service.settings import Settings

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
GOOGLE_SCOPE = "https://www.googleapis.com/auth/calendar.readonly"
BUSY_STATES = {"busy", "oof", "tentative", "workingelsewhere"}


class CalendarUnavailable(Exception):
    """The calendar could not answer; ``retry_after`` in seconds when it said so."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Calendar(Protocol):
    """Busy intervals of one person (by email) between two instants."""

    def busy(self, email: str, start: datetime, end: datetime) -> list[Interval]: ...


def _check(resp: requests.Response, what: str) -> Any:
    if resp.status_code == 429 or resp.status_code >= 500:
        header = resp.headers.get("Retry-After", "")
        delay = float(header) if header.isdigit() else None
        raise CalendarUnavailable(f"{what} answered {resp.status_code}", retry_after=delay)
    if resp.status_code >= 400:
        raise CalendarUnavailable(f"{what} refused: {resp.status_code} {resp.text[:200]}")
    try:
        return resp.json()
    except ValueError as exc:
        raise CalendarUnavailable(f"{what} answered no JSON") from exc


def _iso(moment: datetime) -> str:
    return moment.astimezone().isoformat() if moment.tzinfo is None else moment.isoformat()


class _Http:
    def __init__(self, settings: Settings) -> None:
        self.base = settings.sentiment_calendar_base_url.rstrip("/")
        self.token_url = settings.sentiment_calendar_token_url
        self.client_id = settings.sentiment_calendar_client_id
        self.secret = settings.sentiment_calendar_client_secret.get_secret_value()
        self.timeout = settings.sentiment_calendar_timeout_seconds
        self._token = ("", 0.0)

    def _post(self, url: str, what: str, **kwargs: Any) -> Any:
        try:
            resp = requests.post(url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise CalendarUnavailable(f"{what} unreachable: {type(exc).__name__}") from exc
        return _check(resp, what)

    def token(self) -> str:
        value, expires = self._token
        if value and time.monotonic() < expires:
            return value
        data = self._post(self.token_url, "calendar token endpoint", data=self.token_form())
        value = str(data.get("access_token") or "")
        if not value:
            raise CalendarUnavailable("calendar token endpoint gave no access_token")
        self._token = (value, time.monotonic() + float(data.get("expires_in") or 300) - 30)
        return value

    def token_form(self) -> dict[str, str]:
        raise NotImplementedError


class GraphCalendar(_Http):
    """Microsoft Graph ``POST /v1.0/users/{email}/calendar/getSchedule`` (app-only)."""

    def token_form(self) -> dict[str, str]:
        return {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.secret,
            "scope": GRAPH_SCOPE,
        }

    def busy(self, email: str, start: datetime, end: datetime) -> list[Interval]:
        """Busy, tentative, out-of-office and working-elsewhere items as UTC intervals."""
        body = {
            "schedules": [email],
            "startTime": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
            "endTime": {"dateTime": end.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
            "availabilityViewInterval": 15,
        }
        headers = {"Authorization": f"Bearer {self.token()}", "Prefer": 'outlook.timezone="UTC"'}
        url = f"{self.base}/v1.0/users/{email}/calendar/getSchedule"
        data = self._post(url, "Microsoft Graph getSchedule", json=body, headers=headers)
        out: list[Interval] = []
        for schedule in data.get("value") or []:
            if schedule.get("error"):
                raise CalendarUnavailable(f"Graph: {schedule['error'].get('message', 'error')}")
            for item in schedule.get("scheduleItems") or []:
                if str(item.get("status", "")).lower() not in BUSY_STATES:
                    continue
                lo = parse_time((item.get("start") or {}).get("dateTime"))
                hi = parse_time((item.get("end") or {}).get("dateTime"))
                if lo and hi:
                    out.append((lo, hi))
        return out


class GoogleCalendar(_Http):
    """Google Calendar ``POST /calendar/v3/freeBusy`` with a service account's signed JWT.

    ``sentiment_calendar_client_id`` is the service account email, the secret its private key
    (PEM); the calendar owner is impersonated with ``sub`` (domain-wide delegation).
    """

    subject = ""

    def token_form(self) -> dict[str, str]:
        from joserfc import jwt
        from joserfc.jwk import RSAKey

        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "scope": GOOGLE_SCOPE,
            "aud": self.token_url,
            "iat": now,
            "exp": now + 3600,
        }
        if self.subject:
            claims["sub"] = self.subject
        assertion = jwt.encode({"alg": "RS256"}, claims, RSAKey.import_key(self.secret))
        return {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}

    def busy(self, email: str, start: datetime, end: datetime) -> list[Interval]:
        """The calendar's busy intervals; a per-calendar error counts as unavailable."""
        self.subject = email
        body = {"timeMin": _iso(start), "timeMax": _iso(end), "items": [{"id": email}]}
        headers = {"Authorization": f"Bearer {self.token()}"}
        url = f"{self.base}/calendar/v3/freeBusy"
        data = self._post(url, "Google freeBusy", json=body, headers=headers)
        entry = (data.get("calendars") or {}).get(email) or {}
        if entry.get("errors"):
            raise CalendarUnavailable(f"Google freeBusy: {entry['errors'][0].get('reason')}")
        out: list[Interval] = []
        for item in entry.get("busy") or []:
            lo, hi = parse_time(item.get("start")), parse_time(item.get("end"))
            if lo and hi:
                out.append((lo, hi))
        return out


def calendar_for(settings: Settings) -> Calendar | None:
    """The configured calendar client, or None when ``QM_SENTIMENT_CALENDAR`` is empty."""
    if settings.sentiment_calendar == "graph":
        return GraphCalendar(settings)
    if settings.sentiment_calendar == "google":
        return GoogleCalendar(settings)
    return None
