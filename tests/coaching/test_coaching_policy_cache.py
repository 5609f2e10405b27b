"""Resolved policies are cached briefly, and a write in this process is seen at once."""

from __future__ import annotations

import pytest

from service.coaching import policies
from service.db import get_db


def _threshold(client, auth, form="form-c"):
    body = {
        "evaluationId": "e",
        "status": "FINISHED",
        "score": 70,
        "totalPoints": 100,
        "formId": form,
    }
    return client.post("/data-actions/normalize-score", json=body, headers=auth).get_json()


def test_policy_write_through_the_api_is_seen_at_once(client, auth):
    assert _threshold(client, auth)["threshold"] == 75.0  # settings default, now cached
    put = client.put("/api/v1/policies/form-c", json={"policy": {"threshold": 65}}, headers=auth)
    assert put.status_code == 200, put.get_json()
    answer = _threshold(client, auth)
    assert (answer["threshold"], answer["decision"]) == (65.0, "skip")


def test_write_from_another_process_is_seen_within_the_ttl(app, settings, monkeypatch):
    """Another process (the CLI) writes straight to the database: seen after the TTL."""
    clock = [1000.0]
    monkeypatch.setattr(policies.time, "monotonic", lambda: clock[0])
    db = get_db(app)
    with db.session_scope() as s:
        assert policies.resolve(s, settings, "form-x").threshold == 75.0
    with db.session_scope() as s:  # a write that bypasses this process's invalidation
        s.add(
            policies.CoachingPolicy(
                form_id="form-x", document={"form_id": "form-x", "threshold": 60}
            )
        )
    policies._CACHE.clear()  # what a separate process sees: its own (empty) cache ...
    with db.session_scope() as s:
        assert policies.resolve(s, settings, "form-x").threshold == 60.0
    with db.session_scope() as s:  # ... and here, a stale cache expires after the TTL
        s.query(policies.CoachingPolicy).filter_by(form_id="form-x").update(
            {"document": {"form_id": "form-x", "threshold": 55}}
        )
    with db.session_scope() as s:
        assert policies.resolve(s, settings, "form-x").threshold == 60.0  # still cached
    clock[0] += settings.coaching_policy_cache_seconds + 0.01
    with db.session_scope() as s:
        assert policies.resolve(s, settings, "form-x").threshold == 55.0


@pytest.mark.parametrize("ttl", [0.0])
def test_cache_off(app, settings, ttl):
    off = settings.model_copy(update={"coaching_policy_cache_seconds": ttl})
    db = get_db(app)
    with db.session_scope() as s:
        policies.resolve(s, off, "form-y")
        assert "form-y" not in policies._cache_of(s)
