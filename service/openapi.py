"""Build the OpenAPI 3.1 description from the routes declared in ``service.api``."""

from __future__ import annotations

import re
from typing import Any, Literal

from flask import Flask
from pydantic import BaseModel

from service.api import ROUTES, RouteSpec

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def _schema_ref(
    model: type[BaseModel], components: dict[str, Any], mode: Literal["validation", "serialization"]
) -> dict[str, str]:
    schema = model.model_json_schema(mode=mode, ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _path_params(path: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for conv, name in re.findall(r"<(?:(\w+):)?(\w+)>", path):
        kind = "integer" if conv == "int" else "string"
        params.append({"name": name, "in": "path", "required": True, "schema": {"type": kind}})
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path), params


def _query_params(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def _operation(spec: RouteSpec, components: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    path, params = _path_params(spec.path)
    if spec.query is not None:
        params += _query_params(spec.query)
    problem = _PROBLEM
    ok: dict[str, Any] = {"description": "OK"}
    if spec.response is not None:
        ok["content"] = {
            "application/json": {"schema": _schema_ref(spec.response, components, "serialization")}
        }
    op: dict[str, Any] = {
        "operationId": spec.endpoint.replace(".", "_").replace("-", "_"),
        "summary": spec.summary,
        "tags": spec.tags,
        "parameters": params,
        "responses": {
            "200": ok,
            "400": {"description": "Invalid input", "content": problem},
            "401": {"description": "Not authenticated", "content": problem},
        },
    }
    if spec.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": _schema_ref(spec.body, components, "validation")}
            },
        }
    return path, op


_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}

# Routes not declared through ``service.api.route``: the token endpoint (authlib) and the public
# probes and descriptions. ``security: []`` marks them as needing no credentials.
PUBLIC_PATHS: dict[str, dict[str, Any]] = {
    "/oauth/token": {
        "post": {
            "operationId": "auth_token",
            "summary": "OAuth 2.0 client credentials: a Bearer token for the integration",
            "tags": ["auth"],
            "security": [{"basic": []}, {}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "required": ["grant_type"],
                            "properties": {
                                "grant_type": {"type": "string", "const": "client_credentials"},
                                "client_id": {"type": "string"},
                                "client_secret": {"type": "string"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "A token",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["access_token", "token_type", "expires_in"],
                                "properties": {
                                    "access_token": {"type": "string"},
                                    "token_type": {"type": "string", "const": "Bearer"},
                                    "expires_in": {"type": "integer"},
                                },
                            }
                        }
                    },
                },
                "400": {"description": "Unsupported grant or bad request"},
                "401": {"description": "Unknown client or wrong secret"},
            },
        }
    },
    "/health": {
        "get": {
            "operationId": "system_health",
            "summary": "Liveness: the process answers (public; says nothing else)",
            "tags": ["system"],
            "security": [],
            "responses": {
                "200": {
                    "description": "Alive",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"status": {"type": "string", "const": "ok"}},
                            }
                        }
                    },
                }
            },
        }
    },
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "system_openapi",
            "summary": "This OpenAPI description (public)",
            "tags": ["system"],
            "security": [],
            "responses": {"200": {"description": "The OpenAPI 3.1 document"}},
        }
    },
    "/api/v1/docs/": {
        "get": {
            "operationId": "system_api_docs",
            "summary": "The rendered API reference (Swagger UI; public)",
            "tags": ["system"],
            "security": [],
            "responses": {"200": {"description": "An HTML page", "content": {"text/html": {}}}},
        }
    },
}


def build_openapi(app: Flask) -> dict[str, Any]:
    """The OpenAPI document for every route registered on this app."""
    registered = {rule.endpoint for rule in app.url_map.iter_rules()}
    components: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
    paths: dict[str, Any] = {}
    for spec in ROUTES:
        if spec.endpoint not in registered:
            continue
        path, op = _operation(spec, components)
        paths.setdefault(path, {})[spec.method] = op
    for path, ops in PUBLIC_PATHS.items():
        paths.setdefault(path, {}).update(ops)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "QM Loop",
            "version": "1.0.0",
            "description": (
                "Genesys data actions (`/data-actions/*`) and the REST API (`/api/v1/*`). "
                "Authenticate with HTTP Basic (the integration's client id and secret) or a "
                "Bearer token from `POST /oauth/token`. Errors are `application/problem+json`."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "basic": {"type": "http", "scheme": "basic"},
            },
        },
        "security": [{"bearer": []}, {"basic": []}],
    }
