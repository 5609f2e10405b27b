"""Schema-driven fuzzing of every route in the OpenAPI description, on SQLite and PostgreSQL.

Schemathesis generates valid and invalid requests from ``/api/v1/openapi.json``; whatever it
sends, the service must answer below 500, in the documented shapes. New routes declared
through ``service.api`` are covered automatically.

Beyond what the schema suggests, every operation also gets hostile input (issue 9): NUL bytes
(schemathesis's ``allow_x00``, plus a NUL appended to each path id, query value and body string),
JSON nested 10,000 levels deep, and extreme dates (years 1 and 9999, offsets of -23:59, the
invalid ``0000-00-00``) both in ``date``/``date-time`` fields and in every body string. NUL is the
fault PostgreSQL turns into a 500, which is why the file runs on both backends.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from service.auth import matrix
from service.auth.rules import PERSON_ROLES
from service.auth.service import issue_token
from service.openapi import PUBLIC_PATHS

MAX_EXAMPLES = 25
HOSTILE_EXAMPLES = 2

EXTREME_DATES = ["9999-12-31", "0001-01-01", "0000-00-00", "1969-12-31", "2101-01-01"]
EXTREME_DATETIMES = [
    "9999-12-31T23:59:59-23:59",
    "9999-12-31T23:59:59.999999+00:00",
    "0001-01-01T00:00:00+23:59",
    "0001-01-01T00:00:00Z",
    "0000-00-00T00:00:00Z",
    "2100-12-31T23:59:59-23:59",
]
_offsets = st.timedeltas(min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23))
_datetimes = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))
schemathesis.openapi.format(
    "date-time",
    st.sampled_from(EXTREME_DATETIMES)
    | st.builds(
        lambda d, off: d.replace(tzinfo=timezone(off)).isoformat(),
        _datetimes,
        _offsets.map(lambda t: timedelta(minutes=t // timedelta(minutes=1))),
    ),
)
schemathesis.openapi.format(
    "date", st.sampled_from(EXTREME_DATES) | st.dates().map(lambda d: d.isoformat())
)


@pytest.fixture
def api_schema(app, auth):
    """The app's own OpenAPI document, served in-process."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=auth)
    schema.config.generation.modes = list(schemathesis.GenerationMode)
    schema.config.generation.allow_x00 = True
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


def _assert_problem_shape(resp: Any, where: str) -> None:
    assert resp.status_code < 500, f"{where}: {resp.text[:500]}"
    if resp.status_code >= 400:
        body = resp.json()
        assert resp.headers["content-type"][0].startswith("application/problem+json")
        assert {"type", "title", "status", "detail", "code"} <= set(body)


@schema.parametrize()
@hsettings(max_examples=MAX_EXAMPLES, suppress_health_check=list(HealthCheck), deadline=None)
def test_no_server_errors(case, auth):
    if case.operation.path in PUBLIC_PATHS:
        return  # OAuth's own error shape, probes, the API reference: tests/test_api_reference.py
    resp = case.call(headers=auth)
    _assert_problem_shape(resp, f"{case.method} {case.formatted_path}")


@pytest.mark.sqlite_only  # the gate does not touch the database
@schema.parametrize()
@hsettings(max_examples=5, suppress_health_check=list(HealthCheck), deadline=None)
def test_every_route_needs_auth(case, app):
    template = re.sub(r"\{\w+\}", "x", case.operation.path)
    endpoint, _ = app.url_map.bind("localhost").match(template, method=case.operation.method)
    if matrix.MATRIX[endpoint].public:
        return  # public by a row in service/auth/matrix.py
    resp = case.call(headers={"Authorization": ""})
    if case.method.upper() != case.operation.method.upper():
        # Negative mode tries other methods; the path may match another route (then 401).
        assert resp.status_code in (401, 405)
        return
    assert resp.status_code == 401, f"{case.method} {case.formatted_path} answered without auth"


# --- hostile input on every operation ---------------------------------------------------------


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def _path(case: Any, nul_in: str = "") -> str:
    path = case.operation.path
    for name, value in (case.path_parameters or {}).items():
        # A generated id may hold "/" (then no route matches): the NUL variant uses a plain one.
        text = "id-\x00" if name == nul_in else str(value)
        path = path.replace("{" + name + "}", quote(text, safe=""))
    return path


def _body_variants(body: Any) -> list[tuple[str, str]]:
    """(label, raw JSON) variants of a generated body: a NUL or an extreme date per string."""
    base = body if isinstance(body, dict) else {}
    extremes = [*EXTREME_DATES, *EXTREME_DATETIMES]
    out = []
    for i, (key, value) in enumerate(base.items()):
        if isinstance(value, str):
            bad = extremes[i % len(extremes)]  # one extreme per field keeps the run short
            out.append((f"nul:{key}", json.dumps({**base, key: value + "\x00"})))
            out.append((f"date:{key}={bad}", json.dumps({**base, key: bad})))
    return out


def _hostile_requests(case: Any) -> list[tuple[str, str, dict[str, Any], str | None]]:
    """(label, path, query, raw body) for one generated case."""
    query = {k: v for k, v in (case.query or {}).items() if isinstance(v, str)}
    requests: list[tuple[str, str, dict[str, Any], str | None]] = []
    for name in case.path_parameters or {}:
        requests.append((f"nul-path:{name}", _path(case, name), query, None))
    for name, value in query.items():
        requests.append((f"nul-query:{name}", _path(case), {**query, name: value + "\x00"}, None))
    if case.operation.method.upper() in ("POST", "PUT"):
        base = case.body if isinstance(case.body, dict) else {}
        deep = json.dumps(base)[:-1] + (", " if base else "") + '"zz": ' + _deep(10_000) + "}"
        requests.append(("deep", _path(case), query, deep))
        for label, raw in _body_variants(case.body):
            requests.append((label, _path(case), query, raw))
    return requests


def _allowed_caller(app: Any, case: Any, auth: dict[str, str], settings: Any) -> dict[str, str]:
    """The integration's credential, or a person whose role the route allows (an agent-only
    route refuses the integration with 403 before any input is looked at)."""
    template = re.sub(r"\{\w+\}", "x", case.operation.path)
    endpoint, _ = app.url_map.bind("localhost").match(template, method=case.operation.method)
    row = matrix.MATRIX[endpoint]
    role = next(r for r in ("integration", *PERSON_ROLES) if row.cell(r) != "no")
    if role == "integration":
        return auth
    return {"Authorization": f"Bearer {issue_token(settings, 'fuzz', role, 'fuzz-user')}"}


@schema.parametrize()
@hsettings(max_examples=HOSTILE_EXAMPLES, suppress_health_check=list(HealthCheck), deadline=None)
def test_hostile_input_is_never_a_server_error(case, app, auth, settings):
    if case.method.upper() != case.operation.method.upper():
        return  # negative mode's other-method cases say nothing about this operation's input
    client = app.test_client()
    headers = {**_allowed_caller(app, case, auth, settings), "Content-Type": "application/json"}
    has_body = "requestBody" in case.operation.definition.raw
    method = case.operation.method.upper()
    for label, path, query, raw in _hostile_requests(case):
        resp = client.open(path, method=method, query_string=query, data=raw, headers=headers)
        where = f"{method} {path} [{label}]"
        assert resp.status_code < 500, f"{where}: {resp.get_data(as_text=True)[:500]}"
        if label.startswith("nul-") or (label.startswith(("nul:", "deep")) and has_body):
            # 413: a big generated body plus 20,000 brackets can pass the size limit first.
            assert resp.status_code in (400, 413), f"{where}: {resp.status_code}"
