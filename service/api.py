"""Thin-view helpers: parse a body into a pydantic model, call one function, commit, answer.

Every JSON route is declared through ``data_action`` or ``route`` so the OpenAPI description
(``/api/v1/openapi.json``) is built from the same models the views use.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, g, jsonify, request
from pydantic import BaseModel, ConfigDict, ValidationError

from service.errors import BadRequest, Forbidden, validation_errors

M = TypeVar("M", bound=BaseModel)


class Input(BaseModel):
    """Base of every request body: unknown fields are ignored (Genesys templates forward extras)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


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


def parse_json_body() -> Any:
    """Decode the request body as JSON; raises ``BadRequest`` on anything else."""
    raw = request.get_data(cache=True)
    if not raw:
        raise BadRequest("The request body is empty; send a JSON object.", code="empty_body")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}", code="bad_json") from exc


def parse_body(model: type[M]) -> M:
    """Decode and validate the request body; raises ``BadRequest`` or a validation error."""
    data = parse_json_body()
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.", code="not_an_object")
    return model.model_validate(data)


def parse_query(model: type[M]) -> M:
    """Validate query-string parameters into a model."""
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


def _integration_only() -> None:
    # Data actions write on Genesys's behalf (evaluations, coaching): only its credential may.
    from service.auth.views import current_principal

    if current_principal().role != "integration":
        raise Forbidden("Data actions are for the Genesys integration's credential only.")


def data_action(
    bp: Blueprint, slug: str, body: type[M], response: type[BaseModel], summary: str
) -> Callable[[Callable[[M], BaseModel]], Callable[[], Response]]:
    """Declare ``POST /data-actions/<slug>``; the slug is also the view and file name."""

    def deco(fn: Callable[[M], BaseModel]) -> Callable[[], Response]:
        @wraps(fn)
        def view() -> Response:
            _integration_only()
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
