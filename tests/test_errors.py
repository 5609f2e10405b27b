"""The one error envelope: bad input is a clear 4xx, never a 500."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "data,code",
    [
        (b"", "empty_body"),
        (b"{not json", "bad_json"),
        (b"[1, 2]", "not_an_object"),
        (b"\xff\xfe", "bad_json"),
        (b'{"state": 5}', "validation_error"),
    ],
)
def test_bad_bodies(client, auth, data, code):
    resp = client.post(
        "/api/v1/jobs/purge", headers={**auth, "Content-Type": "application/json"}, data=data
    )
    assert resp.status_code == 400
    body = resp.get_json()
    assert resp.mimetype == "application/problem+json"
    assert body["code"] == code and body["status"] == 400 and body["title"] and body["type"]


def test_huge_body_is_413(client, auth, settings):
    resp = client.post(
        "/api/v1/jobs/purge",
        headers=auth,
        data=b"x" * (settings.max_body_bytes + 1),
        content_type="application/json",
    )
    assert resp.status_code == 413 and resp.get_json()["code"] == "payload_too_large"


def test_unknown_route_and_method(client, auth):
    assert client.get("/nope", headers=auth).get_json()["code"] == "not_found"
    assert client.get("/api/v1/jobs/purge", headers=auth).status_code in (404, 405)
    assert client.delete("/api/v1/jobs", headers=auth).get_json()["code"] == "method_not_allowed"


def test_openapi_lists_routes(client, auth):
    doc = client.get("/api/v1/openapi.json", headers=auth).get_json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/jobs/{job_id}/retry" in doc["paths"]
