"""Schema-driven fuzzing of every route in the OpenAPI description.

Schemathesis generates valid and invalid requests from ``/api/v1/openapi.json``; whatever it
sends, the service must answer below 500, in the documented shapes. New routes declared
through ``service.api`` are covered automatically.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hsettings

from service.openapi import PUBLIC_PATHS

pytestmark = pytest.mark.sqlite_only

MAX_EXAMPLES = 25


@pytest.fixture
def api_schema(app, auth):
    """The app's own OpenAPI document, served in-process."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=auth)
    schema.config.generation.modes = list(schemathesis.GenerationMode)
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@hsettings(max_examples=MAX_EXAMPLES, suppress_health_check=list(HealthCheck), deadline=None)
def test_no_server_errors(case, auth):
    if case.operation.path in PUBLIC_PATHS:
        return  # OAuth's own error shape, probes, the API reference: tests/test_api_reference.py
    resp = case.call(headers=auth)
    assert resp.status_code < 500, f"{case.method} {case.formatted_path}: {resp.text[:500]}"
    if resp.status_code >= 400:
        body = resp.json()
        assert resp.headers["content-type"][0].startswith("application/problem+json")
        assert {"type", "title", "status", "detail", "code"} <= set(body)


@schema.parametrize()
@hsettings(max_examples=5, suppress_health_check=list(HealthCheck), deadline=None)
def test_every_route_needs_auth(case):
    if case.operation.path in PUBLIC_PATHS:
        return  # public by design (service.openapi.PUBLIC_PATHS)
    resp = case.call(headers={"Authorization": ""})
    if case.method.upper() != case.operation.method.upper():
        # Negative mode tries other methods; the path may match another route (then 401).
        assert resp.status_code in (401, 405)
        return
    assert resp.status_code == 401, f"{case.method} {case.formatted_path} answered without auth"
