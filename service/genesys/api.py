"""The interface to the Genesys Cloud Platform API that the domains code against.

``service.genesys.client.GenesysClient`` implements it over HTTP (token cache, request budget,
Retry-After, backoff); tests may pass any object with the same methods. Payloads are the
Platform API's own JSON (camelCase dicts), as documented by the SDK models.
"""

from __future__ import annotations

from typing import Any, Protocol

from service.errors import NotFound, UpstreamError, UpstreamUnavailable

Json = dict[str, Any]


class GenesysError(UpstreamError):
    """Genesys answered with an error we do not retry (4xx other than 401/404/429)."""

    code = "genesys_error"
    title = "Genesys error"

    def __init__(self, detail: str = "", *, upstream_status: int = 0, body: Any = None) -> None:
        super().__init__(detail)
        self.upstream_status = upstream_status
        self.body = body


class GenesysNotFound(NotFound):
    """The Genesys object does not exist (404)."""

    code = "genesys_not_found"


class GenesysUnavailable(UpstreamUnavailable):
    """Genesys kept failing (5xx, timeouts, 429s) after every retry; try again later.

    ``retry_after`` is the seconds to wait before trying again; ``throttled`` is True when
    Genesys itself asked for a wait longer than the client sleeps in-process (a job is then
    deferred until that time without spending an attempt).
    """

    code = "genesys_unavailable"

    def __init__(
        self, detail: str = "", *, retry_after: float | None = None, throttled: bool = False
    ) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.throttled = throttled


class GenesysApi(Protocol):
    """What QM Loop needs from Genesys Cloud."""

    # Generic escape hatch: any Platform API path, with the client's retries and budget.
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Json | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any: ...

    # Quality
    def get_evaluation(self, conversation_id: str, evaluation_id: str) -> Json:
        """GET .../quality/conversations/{c}/evaluations/{e} with agent and form expanded."""
        ...

    def get_published_form(self, form_id: str) -> Json:
        """GET /api/v2/quality/publishedforms/evaluations/{id}; cached (versions never change)."""
        ...

    def create_evaluation(self, conversation_id: str, body: Json, idempotency_key: str) -> Json:
        """POST /api/v2/quality/conversations/{c}/evaluations with an Idempotency-Key."""
        ...

    def update_evaluation(self, conversation_id: str, evaluation_id: str, body: Json) -> Json:
        """PUT /api/v2/quality/conversations/{c}/evaluations/{e}."""
        ...

    def query_evaluations(self, params: Json) -> Json:
        """GET /api/v2/quality/evaluations/query (one page: entities, pageCount, ...)."""
        ...

    def create_calibration(self, body: Json) -> Json:
        """POST /api/v2/quality/calibrations."""
        ...

    def get_calibration(self, calibration_id: str) -> Json:
        """GET /api/v2/quality/calibrations/{id}."""
        ...

    # Users
    def get_user(self, user_id: str) -> Json:
        """GET /api/v2/users/{id} (state, manager); cached briefly."""
        ...

    # Coaching targets
    def create_learning_assignment(self, body: Json) -> Json:
        """POST /api/v2/learning/assignments (moduleId, userId, recommendedCompletionDate)."""
        ...

    def find_learning_assignments(self, user_id: str, module_id: str) -> list[Json]:
        """GET /api/v2/learning/assignments?userId=&moduleId= (all pages)."""
        ...

    def create_workitem(self, body: Json) -> Json:
        """POST /api/v2/taskmanagement/workitems."""
        ...

    def find_workitem_by_external_tag(self, external_tag: str) -> Json | None:
        """POST /api/v2/taskmanagement/workitems/query filtered on externalTag; first match."""
        ...

    def create_coaching_appointment(self, body: Json) -> Json:
        """POST /api/v2/coaching/appointments (refuses overlaps with a 4xx)."""
        ...

    def query_schedule_slots(self, body: Json) -> Json:
        """POST /api/v2/coaching/scheduleslots/query."""
        ...

    # Conversations, recordings, transcripts, analytics
    def get_conversation(self, conversation_id: str) -> Json:
        """GET /api/v2/conversations/{id}."""
        ...

    def get_recordings(self, conversation_id: str) -> list[Json]:
        """GET /api/v2/conversations/{id}/recordings (metadata only)."""
        ...

    def get_transcript_url(self, conversation_id: str, communication_id: str) -> str:
        """GET .../speechandtextanalytics/conversations/{c}/communications/{m}/transcripturl."""
        ...

    def download_transcript(self, url: str) -> Json:
        """Fetch the transcript document behind a pre-signed URL (no auth header)."""
        ...

    def get_conversation_analytics(self, conversation_id: str) -> Json:
        """GET /api/v2/speechandtextanalytics/conversations/{id} (sentiment, empathy)."""
        ...

    def query_conversation_details(self, body: Json) -> Json:
        """POST /api/v2/analytics/conversations/details/query (one page)."""
        ...
