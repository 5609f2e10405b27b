"""``GenesysClient``: the Platform API over HTTP with a cached token, a request budget and retries.

One ``requests.Session`` (pooled) per client; one client per process (see ``extension.py``).
Given the app's database engine, the access token and the request budget are shared by every
process on that database (``service.limits``); without one, by the threads of this process.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from urllib3.exceptions import NewConnectionError

from service.db import utcnow
from service.genesys.api import GenesysError, GenesysNotFound, GenesysUnavailable, Json
from service.genesys.budget import TokenBucket
from service.genesys.cache import TtlCache
from service.genesys.http import EnvOnceSession
from service.genesys.rules import (
    backoff_delay,
    path_template,
    replay_safe,
    token_refresh_margin,
)
from service.genesys.stats import ClientStats
from service.limits.budget import SharedBudget
from service.limits.rules import budget_rates, retry_after_seconds
from service.limits.tokens import StoredToken, TokenStore, credential_key, shared_token
from service.settings import Settings

log = logging.getLogger("qmloop.genesys")

_RETRYABLE_EXC = (requests.Timeout, requests.ConnectionError)


def _never_sent(exc: Exception) -> bool:
    """True when the request cannot have reached Genesys (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


_CORRELATION_HEADERS = ("ININ-Correlation-Id", "inin-correlation-id")


def _q(part: str) -> str:
    """Quote one path segment so an id can never change the route."""
    return quote(str(part), safe="")


def _evaluation_path(conversation_id: str, evaluation_id: str) -> str:
    return f"/api/v2/quality/conversations/{_q(conversation_id)}/evaluations/{_q(evaluation_id)}"


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying after ``delay`` seconds."""

    def __init__(self, reason: str, delay: float, status: int = 0, correlation: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay
        self.status = status
        self.correlation = correlation


class GenesysClient:
    """Implements ``GenesysApi`` against a real (or fake) Genesys Cloud org."""

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        engine: Engine | None = None,
    ) -> None:
        self.base_url = settings.genesys_base_url.rstrip("/")
        self.login_url = settings.genesys_login_url.rstrip("/")
        self._client_id = settings.genesys_client_id
        self._client_secret = settings.genesys_client_secret
        self.timeout = settings.genesys_timeout_seconds
        self.max_retries = settings.genesys_max_retries
        self.backoff_base = settings.genesys_backoff_base_seconds
        self.backoff_max = settings.genesys_backoff_max_seconds
        self.inline_wait_max = settings.retry_after_inline_max_seconds
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.session = EnvOnceSession()
        adapter = HTTPAdapter(
            pool_connections=2, pool_maxsize=settings.genesys_pool_size, max_retries=0
        )
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.budget: TokenBucket | SharedBudget
        self._tokens: TokenStore | None = None
        if engine is None:  # no database to share through: this process's own budget
            self.budget = TokenBucket(
                settings.genesys_requests_per_minute, settings.genesys_request_burst, sleep=sleep
            )
        else:
            key = credential_key(self.login_url, self._client_id)
            rpm, burst = settings.genesys_requests_per_minute, settings.genesys_request_burst
            rates = budget_rates(rpm, burst)
            self.budget = SharedBudget(f"genesys_{key[:16]}", rates, engine, sleep=sleep)
            self._tokens = TokenStore(engine, key, self._client_secret.get_secret_value())
        self._token: str | None = None
        self._token_deadline = 0.0
        self._token_lock = threading.Lock()
        self._forms = TtlCache(None, settings.genesys_form_cache_size)
        self._users = TtlCache(settings.genesys_cache_ttl_seconds, settings.genesys_user_cache_size)
        self._stats = ClientStats()

    # ------------------------------------------------------------------ plumbing

    def stats(self) -> dict[str, Any]:
        """Counters: HTTP calls (total and per path template), retries, 429s, token fetches."""
        return self._stats.snapshot()

    def close(self) -> None:
        """Close pooled connections and stop the shared budget's background leak thread."""
        self.session.close()
        if isinstance(self.budget, SharedBudget):
            self.budget.close()

    def check_token(self) -> None:
        """Obtain (or reuse) an access token; raises ``GenesysError``/``GenesysUnavailable``."""
        self._access_token()

    def _access_token(self, stale: str | None = None) -> str:
        """A valid token; fetched once for all threads (and, with a database, all processes).

        ``stale`` is a token Genesys refused: a refresh goes past it.
        """
        with self._token_lock:
            fresh = self._token and self._token != stale and time.monotonic() < self._token_deadline
            if fresh:
                assert self._token is not None
                return self._token
            shared = self._shared_token(stale) if self._tokens is not None else None
            if shared is None:
                token, lifetime = self._fetch_token()
                deadline = lifetime - token_refresh_margin(lifetime)
            else:
                token, deadline = shared.value, (shared.refresh_after - utcnow()).total_seconds()
            self._token, self._token_deadline = token, time.monotonic() + deadline
            return token

    def _shared_token(self, stale: str | None) -> StoredToken | None:
        """The token every process shares, or None when the database cannot hold it."""
        assert self._tokens is not None
        try:
            return shared_token(
                self._tokens,
                self._fetch_token,
                token_refresh_margin,
                stale=stale,
                lease_seconds=self.timeout * (self.max_retries + 1) + 5,
                sleep=self._sleep,
            )
        except SQLAlchemyError as exc:  # e.g. not migrated yet: this process fetches its own
            log.warning(
                "shared Genesys token unavailable; using one for this process",
                extra={"error": type(exc).__name__},
            )
            return None

    def _fetch_token(self) -> tuple[str, float]:
        """POST /oauth/token with the client credentials; (token, lifetime in seconds)."""
        body = self._send(
            "POST",
            self.login_url + "/oauth/token",
            "/oauth/token",
            budgeted=False,  # the per-token API budget does not cover the login host
            data={"grant_type": "client_credentials"},
            auth=(self._client_id, self._client_secret.get_secret_value()),
        )
        self._stats.add("token_fetches")
        return str(body["access_token"]), float(body.get("expires_in") or 86400)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Json | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Call a Platform API path with the token, the budget and the retry policy."""
        token = self._access_token()
        try:
            return self._api_call(method, path, token, params, json, headers)
        except GenesysError as exc:
            if exc.upstream_status != 401:
                raise
        # 401: the token was revoked or expired early; refresh once and try again.
        token = self._access_token(stale=token)
        return self._api_call(method, path, token, params, json, headers)

    def _api_call(
        self,
        method: str,
        path: str,
        token: str,
        params: Json | None,
        json: Any,
        headers: dict[str, str] | None,
    ) -> Any:
        all_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        all_headers.update(headers or {})
        return self._send(
            method,
            self.base_url + path,
            path_template(path),
            params=params,
            json=json,
            headers=all_headers,
        )

    def _send(
        self, method: str, url: str, template: str, *, budgeted: bool = True, **kwargs: Any
    ) -> Any:
        """One logical call: budgeted attempts, retried on 429/5xx/timeouts up to the cap."""
        attempt = 0
        safe = replay_safe(method, template, kwargs.get("headers"))
        while True:
            try:
                return self._attempt(method, url, template, attempt, budgeted, safe, **kwargs)
            except _Retry as retry:
                if attempt >= self.max_retries:
                    self._stats.add("unavailable")
                    raise GenesysUnavailable(
                        f"Genesys {method} {template} failed after {attempt + 1} attempts "
                        f"({retry.reason})",
                        retry_after=max(retry.delay, 1.0),
                    ) from None
                self._stats.add("retries")
                log.warning(
                    "genesys retry",
                    extra={
                        "path": template,
                        "method": method,
                        "status": retry.status,
                        "reason": retry.reason,
                        "attempt": attempt + 1,
                        "delay_s": round(retry.delay, 3),
                        "upstream_correlation_id": retry.correlation,
                    },
                )
                self._sleep(retry.delay)
                attempt += 1

    def _attempt(
        self,
        method: str,
        url: str,
        template: str,
        attempt: int,
        budgeted: bool,
        safe: bool,
        **kwargs: Any,
    ) -> Any:
        """Send once; return the parsed body, raise ``_Retry`` or a final Genesys error."""
        if budgeted:
            self.budget.acquire()
        self._stats.call(template)
        try:
            # Never follow a redirect: it would carry the bearer token or a POST body elsewhere.
            resp = self.session.request(
                method, url, timeout=self.timeout, allow_redirects=False, **kwargs
            )
        except _RETRYABLE_EXC as exc:
            reason = "timeout" if isinstance(exc, requests.Timeout) else "connection error"
            if not safe and not _never_sent(exc):
                self._outcome_unknown(method, template, reason)
            raise _Retry(reason, self._backoff(attempt)) from None
        if resp.status_code >= 500 and not safe:
            self._outcome_unknown(method, template, f"server error {resp.status_code}")
        return self._outcome(resp, template, attempt)

    def _outcome_unknown(self, method: str, template: str, reason: str) -> None:
        """A create whose answer was lost may have happened: hand it back instead of re-sending."""
        self._stats.add("unavailable")
        raise GenesysUnavailable(
            f"Genesys {method} {template}: {reason}; not re-sent, since it may have been "
            "created (the job retries and looks it up first)",
            retry_after=1.0,
        )

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(attempt, self.backoff_base, self.backoff_max, self._rng)

    def _outcome(self, resp: requests.Response, template: str, attempt: int) -> Any:
        """Map a response to a value, a retry or an error."""
        status = resp.status_code
        correlation = next((resp.headers[h] for h in _CORRELATION_HEADERS if h in resp.headers), "")
        wait = retry_after_seconds(resp.headers) if status == 429 or status >= 500 else None
        if wait is not None and wait > self.inline_wait_max:
            # Longer than a worker should sleep: the caller (a job) comes back at that time.
            self._stats.add("throttled_429" if status == 429 else "unavailable")
            raise GenesysUnavailable(
                f"Genesys {template} answered {status} and asked to wait {wait:.0f} s",
                retry_after=wait,
                throttled=True,
            )
        if status == 429:
            self._stats.add("throttled_429")
            delay = self._backoff(attempt) if wait is None else wait
            # The limit is per token: hold the other threads too instead of collecting more 429s.
            self.budget.pause(delay)
            raise _Retry("throttled", delay, status, correlation)
        if status >= 500:
            delay = self._backoff(attempt) if wait is None else wait
            raise _Retry("server error", delay, status, correlation)
        if 300 <= status < 400:
            raise GenesysError(
                f"Genesys {template} answered {status} (a redirect); redirects are not followed: "
                "check QM_GENESYS_API_HOST / QM_GENESYS_REGION",
                upstream_status=status,
            )
        if status < 400:
            return _json_or_none(resp)
        body = _json_or_none(resp)
        if status == 404:
            raise GenesysNotFound(f"Genesys {template}: not found")
        raise GenesysError(
            f"Genesys {template} answered {status}", upstream_status=status, body=body
        )

    # ------------------------------------------------------------------ quality

    def get_evaluation(self, conversation_id: str, evaluation_id: str) -> Json:
        """GET the evaluation with agent, evaluator and form expanded."""
        path = _evaluation_path(conversation_id, evaluation_id)
        result: Json = self.request(
            "GET", path, params={"expand": "agent,evaluator,evaluationForm"}
        )
        return result

    def get_published_form(self, form_id: str) -> Json:
        """GET a published form version; cached for the life of the process."""

        def load() -> Json:
            path = f"/api/v2/quality/publishedforms/evaluations/{_q(form_id)}"
            result: Json = self.request("GET", path)
            return result

        return self._cached(self._forms, form_id, load)

    def create_evaluation(self, conversation_id: str, body: Json, idempotency_key: str) -> Json:
        """POST an evaluation; the Idempotency-Key makes retries return the same evaluation."""
        path = f"/api/v2/quality/conversations/{_q(conversation_id)}/evaluations"
        result: Json = self.request(
            "POST", path, json=body, headers={"Idempotency-Key": idempotency_key}
        )
        return result

    def update_evaluation(self, conversation_id: str, evaluation_id: str, body: Json) -> Json:
        """PUT an evaluation (answers, status)."""
        path = _evaluation_path(conversation_id, evaluation_id)
        result: Json = self.request("PUT", path, json=body)
        return result

    def query_evaluations(self, params: Json) -> Json:
        """GET one page of /api/v2/quality/evaluations/query."""
        result: Json = self.request("GET", "/api/v2/quality/evaluations/query", params=params)
        return result

    def score_evaluation(self, form: Json, answers: Json) -> Json:
        """POST /api/v2/quality/evaluations/scoring: Genesys computes the scoring set."""
        body = {"evaluationForm": form, "answers": answers}
        result: Json = self.request("POST", "/api/v2/quality/evaluations/scoring", json=body)
        return result

    def create_calibration(self, body: Json) -> Json:
        """POST /api/v2/quality/calibrations."""
        result: Json = self.request("POST", "/api/v2/quality/calibrations", json=body)
        return result

    def get_calibration(self, calibration_id: str) -> Json:
        """GET /api/v2/quality/calibrations/{id}."""
        result: Json = self.request("GET", f"/api/v2/quality/calibrations/{_q(calibration_id)}")
        return result

    # ------------------------------------------------------------------ users

    def get_user(self, user_id: str) -> Json:
        """GET a user (any state); cached for ``genesys_cache_ttl_seconds``.

        Genesys answers 404 for a deleted user unless asked with ``state=deleted``, so a 404 is
        retried once that way; raises GenesysNotFound when the user never existed.
        """

        def load() -> Json:
            path = f"/api/v2/users/{_q(user_id)}"
            try:
                result: Json = self.request("GET", path)
            except GenesysNotFound:
                result = self.request("GET", path, params={"state": "deleted"})
            return result

        return self._cached(self._users, user_id, load)

    def _cached(self, cache: TtlCache, key: str, load: Callable[[], Json]) -> Json:
        found, value = cache.get(key)
        if found:
            self._stats.add("cache_hits")
            return dict(value)
        return dict(cache.get_or_load(key, load))

    # ------------------------------------------------------------------ coaching targets

    def create_learning_assignment(self, body: Json) -> Json:
        """POST /api/v2/learning/assignments."""
        result: Json = self.request("POST", "/api/v2/learning/assignments", json=body)
        return result

    def find_learning_assignments(self, user_id: str, module_id: str) -> list[Json]:
        """Every assignment of a module to a user (all pages)."""
        found: list[Json] = []
        page = 1
        while True:
            params = {"userId": user_id, "moduleId": module_id, "pageSize": 100, "pageNumber": page}
            body = self.request("GET", "/api/v2/learning/assignments", params=params)
            found.extend(body.get("entities") or [])
            if page >= int(body.get("pageCount") or 1):
                return found
            page += 1

    def create_workitem(self, body: Json) -> Json:
        """POST /api/v2/taskmanagement/workitems."""
        result: Json = self.request("POST", "/api/v2/taskmanagement/workitems", json=body)
        return result

    def find_workitem_by_external_tag(self, external_tag: str) -> Json | None:
        """The first workitem carrying ``externalTag``, or None."""
        body = {
            "filters": [
                {
                    "name": "externalTag",
                    "type": "String",
                    "operator": "EQ",
                    "values": [external_tag],
                }
            ],
            "pageSize": 1,
        }
        result = self.request("POST", "/api/v2/taskmanagement/workitems/query", json=body)
        entities = result.get("entities") or []
        return entities[0] if entities else None

    def create_coaching_appointment(self, body: Json) -> Json:
        """POST /api/v2/coaching/appointments (a 4xx on overlap surfaces as GenesysError)."""
        result: Json = self.request("POST", "/api/v2/coaching/appointments", json=body)
        return result

    def query_schedule_slots(self, body: Json) -> Json:
        """POST /api/v2/coaching/scheduleslots/query."""
        result: Json = self.request("POST", "/api/v2/coaching/scheduleslots/query", json=body)
        return result

    # ------------------------------------------------------------------ conversations

    def get_conversation(self, conversation_id: str) -> Json:
        """GET /api/v2/conversations/{id}."""
        result: Json = self.request("GET", f"/api/v2/conversations/{_q(conversation_id)}")
        return result

    def get_recordings(self, conversation_id: str) -> list[Json]:
        """GET /api/v2/conversations/{id}/recordings (metadata only)."""
        path = f"/api/v2/conversations/{_q(conversation_id)}/recordings"
        result = self.request("GET", path)
        return list(result or [])

    def get_transcript_url(self, conversation_id: str, communication_id: str) -> str:
        """The pre-signed URL of a transcript (valid about 10 minutes)."""
        path = (
            f"/api/v2/speechandtextanalytics/conversations/{_q(conversation_id)}"
            f"/communications/{_q(communication_id)}/transcripturl"
        )
        return str(self.request("GET", path)["url"])

    def download_transcript(self, url: str) -> Json:
        """GET a pre-signed URL without our Authorization header (budgeted and retried)."""
        # Served by a storage host, not the Platform API: outside the per-token budget.
        result: Json = self._send("GET", url, "transcript-download", budgeted=False)
        return result

    def get_conversation_analytics(self, conversation_id: str) -> Json:
        """GET /api/v2/speechandtextanalytics/conversations/{id}."""
        path = f"/api/v2/speechandtextanalytics/conversations/{_q(conversation_id)}"
        result: Json = self.request("GET", path)
        return result

    def query_conversation_details(self, body: Json) -> Json:
        """POST /api/v2/analytics/conversations/details/query (one page)."""
        path = "/api/v2/analytics/conversations/details/query"
        result: Json = self.request("POST", path, json=body)
        return result


def _json_or_none(resp: requests.Response) -> Any:
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        return resp.text
