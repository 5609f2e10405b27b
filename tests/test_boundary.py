"""Bad input is refused at the door: NUL and surrogates, deep JSON, implausible dates, loose types,
and JSON under another content type (``service.boundary`` and ``service.api``).

HTTP cases run on SQLite and PostgreSQL: NUL is the fault PostgreSQL turns into a 500.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from service import boundary
from tests.calibration.helpers import BASE, session_body

# --- pure rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,reason",
    [
        ("plain", ""),
        ("émoji 🙂", ""),
        ("a\x00b", "contains a NUL character"),
        ("\x00", "contains a NUL character"),
        ("x\ud800", "contains a lone surrogate"),
        ("\x01\x1f", ""),  # other control characters are storable
    ],
)
def test_bad_text(text, reason):
    assert boundary.bad_text(text) == reason


def _nest(depth: int) -> object:
    doc: object = "leaf"
    for _ in range(depth - 1):
        doc = [doc]
    return doc


@pytest.mark.parametrize(
    "depth,ok", [(boundary.MAX_JSON_DEPTH - 1, True), (boundary.MAX_JSON_DEPTH, True), (65, False)]
)
def test_json_depth_boundary(depth, ok):
    assert (boundary.json_problem(_nest(depth)) is None) is ok


@pytest.mark.parametrize(
    "doc,path",
    [
        ({"a": {"b": ["x", "y\x00"]}}, "a.b.1"),
        ({"a\x00": 1}, "body"),
        ({"a": {"k\x00": 1}}, "a"),
        ({"a": [1, 2.5, True, None, "fine"]}, None),
    ],
)
def test_json_problem_names_the_field(doc, path):
    found = boundary.json_problem(doc)
    assert (found[0] if found else None) == path


@pytest.mark.parametrize(
    "value,ok",
    [
        (date(1969, 12, 31), False),
        (date(1970, 1, 1), True),
        (date(2100, 12, 31), True),
        (date(2101, 1, 1), False),
        (date(1, 1, 1), False),
        (datetime(9999, 12, 31, 23, 59), False),
    ],
)
def test_year_range_boundary(value, ok):
    assert (boundary.year_problem(value) == "") is ok


# --- over HTTP, on both databases -----------------------------------------------------------


def _code(resp):
    return (resp.get_json(silent=True) or {}).get("code")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/assignments?agentId=a%00b",
        "/api/v1/assignments?status=open&a%00=1",
        "/api/v1/assignments/a%00b",
        "/api/v1/jobs/j%00",
        "/api/v1/policies/f%00",
        f"{BASE}/sessions/s%00/scores",
        f"{BASE}/rubric-notes?formId=f%00",
        "/api/v1/scoring/requests/r%00",
    ],
)
def test_nul_in_query_or_path_is_400(client, auth, path):
    resp = client.get(path, headers=auth)
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert _code(resp) == "validation_error"


@pytest.mark.parametrize(
    "path,body",
    [
        ("/data-actions/check-duplicate", {"agentId": "a\u0000", "sectionId": "s"}),
        (
            "/data-actions/assign-coaching",
            {"agentId": "a", "evaluationId": "e\x00", "sectionId": "s"},
        ),
        ("/data-actions/score-transcript", {"conversationId": "c", "queueId": "\x00"}),
        ("/data-actions/calibration-report", {"calibrationId": "\x00"}),
        ("/api/v1/events/genesys", {"id": "e", "conversationId": "c\x00", "status": "FINISHED"}),
        ("/api/v1/scoring/events", {"eventBody": {"conversationId": "c\x00"}}),
        ("/data-actions/check-duplicate", {"agentId": "a", "sectionId": "s", "x\x00": 1}),
        ("/data-actions/check-duplicate", {"agentId": "a\ud800", "sectionId": "s"}),
    ],
)
def test_unstorable_json_strings_are_400(client, auth, path, body):
    resp = client.post(path, json=body, headers=auth)
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert _code(resp) == "validation_error"


def test_nul_in_a_json_body_of_a_put_is_400(client, auth):
    resp = client.put("/api/v1/policies/f1", json={"policy": {"name": "n\x00"}}, headers=auth)
    assert resp.status_code == 400 and _code(resp) == "validation_error"


@pytest.mark.parametrize("depth", [65, 1000, 10_000, 100_000])
def test_deep_json_is_bad_json(client, auth, depth):
    raw = '{"agentId": "a", "sectionId": "s", "x": ' + "[" * depth + "]" * depth + "}"
    resp = client.post(
        "/data-actions/check-duplicate",
        data=raw,
        headers={**auth, "Content-Type": "application/json"},
    )
    assert resp.status_code == 400 and _code(resp) == "bad_json"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_json_under_another_content_type_is_415(client, auth, content_type):
    headers = dict(auth) | ({"Content-Type": content_type} if content_type else {})
    resp = client.post(
        "/data-actions/check-duplicate", data='{"agentId": "a", "sectionId": "s"}', headers=headers
    )
    assert resp.status_code == 415 and _code(resp) == "unsupported_media_type"


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=UTF-8", "application/x+json"]
)
def test_json_content_types_accepted(client, auth, content_type):
    resp = client.post(
        "/data-actions/check-duplicate",
        data='{"agentId": "a", "sectionId": "s"}',
        headers={**auth, "Content-Type": content_type},
    )
    assert resp.status_code == 200


ASSIGN = {"agentId": "a1", "evaluationId": "e1", "sectionId": "s1"}


@pytest.mark.parametrize(
    "value,status",
    [
        ("9999-12-31", 400),
        ("0001-01-01", 400),
        ("0000-00-00", 400),
        ("1969-12-31", 400),
        ("2101-01-01T00:00:00Z", 400),
        ("not a date", 400),
        ("1970-01-01", 200),
        ("2100-12-31T23:59:59-23:59", 200),
        ("2024-03-01T10:00:00.000Z", 200),
        ("", 200),
    ],
)
def test_evaluation_date_range(client, auth, value, status):
    resp = client.post(
        "/data-actions/assign-coaching", json={**ASSIGN, "evaluationDate": value}, headers=auth
    )
    assert resp.status_code == status, resp.get_data(as_text=True)
    if status == 400:
        assert _code(resp) == "validation_error"
        assert resp.get_json()["errors"][0]["field"] == "evaluationDate"


@pytest.mark.parametrize(
    "deadline,status",
    [
        ("9999-12-31T23:59:59-23:59", 400),
        ("0001-01-01T00:00:00Z", 400),
        ("2101-01-01T00:00:00+00:00", 400),
        ("2100-12-31T23:59:59-23:59", 201),
    ],
)
def test_calibration_deadline_range(client, auth, deadline, status):
    resp = client.post(f"{BASE}/sessions", json=session_body(deadline=deadline), headers=auth)
    assert resp.status_code == status, resp.get_data(as_text=True)


@pytest.mark.parametrize(
    "query,status",
    [
        ("since=0001-01-01T00:00:00Z", 400),
        ("until=9999-12-31T00:00:00Z", 400),
        ("since=2024-01-01T00:00:00Z", 200),
    ],
)
def test_report_period_range(client, auth, query, status):
    assert client.get(f"{BASE}/reports/reliability?{query}", headers=auth).status_code == status


NORMALIZE = {"evaluationId": "e1", "status": "FINISHED", "score": 12, "totalPoints": 20}


@pytest.mark.parametrize(
    "path,over,status",
    [
        ("/data-actions/normalize-score", {}, 200),
        ("/data-actions/normalize-score", {"score": 12.5}, 200),
        ("/data-actions/normalize-score", {"score": "12"}, 400),
        ("/data-actions/normalize-score", {"score": True}, 400),
        ("/data-actions/normalize-score", {"totalPoints": "20"}, 400),
        ("/data-actions/normalize-score", {"threshold": False}, 400),
        ("/data-actions/normalize-score", {"evaluationId": 123}, 400),
        ("/data-actions/assign-coaching", {**ASSIGN, "percentage": True}, 400),
        ("/data-actions/assign-coaching", {**ASSIGN, "percentage": "12"}, 400),
        ("/data-actions/assign-coaching", {**ASSIGN, "percentage": 12}, 200),
    ],
)
def test_numbers_are_strict(client, auth, path, over, status):
    body = {**NORMALIZE, **over} if path.endswith("normalize-score") else over
    resp = client.post(path, json=body, headers=auth)
    assert resp.status_code == status, resp.get_data(as_text=True)


def test_query_strings_are_still_converted(client, auth):
    assert client.get("/api/v1/assignments?limit=5", headers=auth).status_code == 200
    assert client.get("/api/v1/assignments?limit=five", headers=auth).status_code == 400


@pytest.mark.parametrize(
    "policy,status",
    [
        ({"threshold": 80, "holidays": ["2024-12-25"]}, 200),
        ({"threshold": "80"}, 400),
        ({"threshold": True}, 400),
        ({"holidays": ["9999-12-31"]}, 400),
        ({"holidays": ["0001-01-01"]}, 400),
    ],
)
def test_policy_documents_are_strict_too(client, auth, policy, status):
    resp = client.put("/api/v1/policies/form-1", json={"policy": policy}, headers=auth)
    assert resp.status_code == status, resp.get_data(as_text=True)


@pytest.mark.parametrize(
    "over,status",
    [
        ({}, 202),
        ({"disputeCount": "1"}, 400),
        ({"rescore": "true"}, 400),
        ({"conversationId": 5}, 400),
    ],
)
def test_evaluation_events_are_strict(client, auth, over, status):
    event = {"id": "e1", "conversationId": "c1", "status": "FINISHED", **over}
    resp = client.post("/api/v1/events/genesys", json=event, headers=auth)
    assert resp.status_code == status, resp.get_data(as_text=True)


def test_a_date_error_names_its_field(client, auth):
    body = session_body(deadline="0001-01-01T00:00:00Z")
    resp = client.post(f"{BASE}/sessions", json=body, headers=auth)
    assert resp.status_code == 400
    assert resp.get_json()["errors"][0]["field"] == "deadline"
