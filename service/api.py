"""Thin-view helpers: parse a body into a pydantic model, call one function, commit, answer.

Every JSON route is declared through ``data_action`` or ``route`` so the OpenAPI description
(``/api/v1/openapi.json``) is built from the same models the views use.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import wraps
from typing import Annotated, Any, TypeVar

from flask import Blueprint, Flask, Response, g, jsonify, request
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, field_validator

from service import boundary
from service.errors import BadRequest, InvalidInput, UnsupportedMediaType, validation_errors

M = TypeVar("M", bound=BaseModel)


def _plausible(value: date) -> date:
    reason = boundary.year_problem(value)
    if reason:
        raise ValueError(reason)
    return value


class Input(BaseModel):
    """Base of every request body and query: unknown fields are ignored (Genesys templates forward
    extras); every date or datetime field must fall in the plausible range of ``service.boundary``.
    """

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _plausible_dates(cls, value: Any) -> Any:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, date):  # datetime is a date too
                _plausible(item)
        return value


def _date_text(value: str) -> str:
    if not value:
        return value
    parsed = boundary.parse_iso_day(value)
    if parsed is None:
        raise ValueError("must be an ISO 8601 date or datetime")
    reason = boundary.year_problem(parsed)
    if reason:
        raise ValueError(reason)
    return value


DateText = Annotated[str, AfterValidator(_date_text)]
"""A date or datetime kept as the text Genesys sent ("" allowed), validated at the boundary."""


PlausibleDate = Annotated[date, AfterValidator(_plausible)]
"""A date in the plausible range, for models that do not derive from ``Input``."""


class Output(BaseModel):
    """Base of every response body."""

    model_config = ConfigDict(extra="forbid")


@dataclass
class RouteSpec:
    """What the OpenAPI builder knows about one route."""

    method: str
    path: str
    endpoint: str
    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    tags: list[str] = field(default_factory=list)
    data_action: bool = False


ROUTES: list[RouteSpec] = []


def _require_json_type() -> None:
    if not request.is_json:  # application/json or application/*+json
        raise UnsupportedMediaType("Send JSON with Content-Type: application/json.")


def parse_json_body() -> Any:
    """Decode the request body as JSON and check it (``service.boundary``).

    Raises ``UnsupportedMediaType`` (415) for another content type, ``BadRequest`` (``empty_body``,
    ``bad_json`` for malformed or too deeply nested JSON) and ``InvalidInput`` for a string the
    database cannot store.
    """
    _require_json_type()
    raw = request.get_data(cache=True)
    if not raw:
        raise BadRequest("The request body is empty; send a JSON object.", code="empty_body")
    try:
        doc = json.loads(raw)
    except RecursionError as exc:
        raise BadRequest("The request body is nested too deeply.", code="bad_json") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}", code="bad_json") from exc
    problem = boundary.json_problem(doc)
    if problem is not None and problem.too_deep:
        raise BadRequest(f"The request body is {problem.reason}.", code="bad_json")
    if problem is not None:
        raise InvalidInput(
            f"{problem.field} {problem.reason}.",
            errors=[{"field": problem.field, "message": problem.reason}],
        )
    return doc


def parse_body(model: type[M]) -> M:
    """Decode and validate the request body; raises ``BadRequest`` or a validation error.

    Validation is strict (a JSON number for a number, ``true``/``false`` for a boolean, a string
    for a string): our Genesys request templates send numbers raw and strings quoted, so a
    ``"12"`` or ``true`` where a number belongs is a mistake to report, not to guess at.
    """
    data = parse_json_body()
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.", code="not_an_object")
    return validate_strict(model, data)


def validate_strict(model: type[M], data: Any) -> M:
    """Validate decoded JSON the way ``parse_body`` does (strict JSON types); raises
    ``ValidationError``. For views that unwrap a body before validating part of it."""
    return model.model_validate_json(json.dumps(data), strict=True)


def check_request_text() -> None:
    """Refuse a query parameter, path id or form field (the web app's forms) the database
    cannot store (before any view runs)."""
    pairs = [*request.args.items(multi=True), *(request.view_args or {}).items()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        pairs += list(request.form.items(multi=True))
    for name, value in pairs:
        reason = boundary.bad_text(str(name)) or boundary.bad_text(str(value))
        if reason:
            raise InvalidInput(
                f"{name} {reason}.", errors=[{"field": str(name), "message": reason}]
            )


def init_boundary(app: Flask) -> None:
    """Check every request's query string, path ids and form fields (after the auth gate)."""
    app.before_request(check_request_text)


def parse_query(model: type[M]) -> M:
    """Validate query-string parameters into a model (converted: a query string is text)."""
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise BadRequest(
            "The query string is invalid.", code="validation_error", errors=validation_errors(exc)
        ) from exc


def respond(result: BaseModel | dict[str, Any] | list[Any], status: int = 200) -> Response:
    """Commit the request's work (if it opened a transaction), then serialize the answer."""
    session = g.get("qm_session")
    if session is not None and session.in_transaction():
        session.commit()
    body = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
    resp = jsonify(body)
    resp.status_code = status
    return resp


def data_action(
    bp: Blueprint, slug: str, body: type[M], response: type[BaseModel], summary: str
) -> Callable[[Callable[[M], BaseModel]], Callable[[], Response]]:
    """Declare ``POST /data-actions/<slug>``; the slug is also the view and file name."""

    def deco(fn: Callable[[M], BaseModel]) -> Callable[[], Response]:
        @wraps(fn)
        def view() -> Response:
            return respond(fn(parse_body(body)))

        bp.add_url_rule(f"/data-actions/{slug}", endpoint=slug, view_func=view, methods=["POST"])
        ROUTES.append(
            RouteSpec(
                "post",
                f"/data-actions/{slug}",
                f"{bp.name}.{slug}",
                summary,
                body=body,
                response=response,
                tags=["data actions"],
                data_action=True,
            )
        )
        return view

    return deco


def route(
    bp: Blueprint,
    method: str,
    path: str,
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    tag: str = "",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a REST route and record it for the OpenAPI description."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        bp.add_url_rule(path, endpoint=fn.__name__, view_func=fn, methods=[method.upper()])
        ROUTES.append(
            RouteSpec(
                method.lower(),
                path,
                f"{bp.name}.{fn.__name__}",
                summary,
                body=body,
                query=query,
                response=response,
                tags=[tag or bp.name],
            )
        )
        return fn

    return deco
