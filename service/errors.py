"""One exception hierarchy and one error envelope (RFC 9457 problem+json)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

if TYPE_CHECKING:  # Flask loads on first use: `qmloop export` runs without it (smaller)
    from flask import Flask, Response

log = logging.getLogger(__name__)

PROBLEM_TYPE_BASE = "https://qmloop.dev/problems/"


class ServiceError(Exception):
    """A failure with a stable machine ``code`` and an HTTP status."""

    status = 500
    code = "internal_error"
    title = "Internal error"

    def __init__(
        self,
        detail: str = "",
        *,
        code: str | None = None,
        status: int | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code:
            self.code = code
        if status:
            self.status = status
        self.errors = errors
        self.headers = headers or {}


class BadRequest(ServiceError):
    status = 400
    code = "bad_request"
    title = "Bad request"


class InvalidInput(BadRequest):
    code = "validation_error"
    title = "Invalid input"


class UnsupportedMediaType(ServiceError):
    status = 415
    code = "unsupported_media_type"
    title = "Unsupported media type"


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"
    title = "Unauthorized"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"
    title = "Conflict"


class UpstreamError(ServiceError):
    """A dependency (Genesys, the LLM, an LMS) failed or refused."""

    status = 502
    code = "upstream_error"
    title = "Upstream failure"


class UpstreamUnavailable(UpstreamError):
    status = 503
    code = "upstream_unavailable"
    title = "Upstream unavailable"


def validation_errors(exc: ValidationError) -> list[dict[str, str]]:
    """Flatten pydantic errors into ``{field, message}`` pairs."""
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in err.get("loc", ())) or "body"
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        out.append({"field": field, "message": message})
    return out


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build one problem+json response."""
    from flask import jsonify

    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    resp = jsonify(body)
    resp.status_code = status
    resp.mimetype = "application/problem+json"
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    411: "length_required",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    429: "too_many_requests",
    431: "headers_too_large",
}


def register_error_handlers(app: Flask) -> None:
    """Route every error through the one envelope."""
    from werkzeug.exceptions import HTTPException

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError) -> Response:
        if exc.status >= 500:
            log.warning("service error %s: %s", exc.code, exc.detail)
        return problem(exc.status, exc.code, exc.title, exc.detail, exc.errors, exc.headers)

    @app.errorhandler(ValidationError)
    def _validation_error(exc: ValidationError) -> Response:
        return problem(
            400,
            "validation_error",
            "Invalid input",
            "The request body is invalid.",
            validation_errors(exc),
        )

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = _HTTP_CODES.get(status, "http_error")
        return problem(status, code, exc.name, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return problem(500, "internal_error", "Internal error", "An unexpected error occurred.")
