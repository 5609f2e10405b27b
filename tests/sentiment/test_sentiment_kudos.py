"""Kudos delivery: a signed webhook (the LMS scheme), retried on 5xx, delivered once."""

from __future__ import annotations

import time

import pytest
from flask import Flask, request
from pydantic import SecretStr
from sqlalchemy import select

from service.coaching.rules import verify_lms_signature
from service.db import get_db
from service.fakes.server import serving
from service.jobs.service import drain
from service.sentiment.models import Recognition

pytestmark = pytest.mark.sqlite_only  # the delivery job is the same on both backends

SECRET = "kudos-secret"


@pytest.fixture
def receiver():
    seen: list[dict] = []
    answers: list[int] = []
    hook = Flask("kudos_receiver")

    @hook.post("/kudos")
    def take():  # type: ignore[no-untyped-def]
        seen.append({"headers": dict(request.headers), "body": request.get_data()})
        return ("", answers.pop(0)) if answers else ({"id": "r1"}, 200)

    with serving(hook) as srv:
        yield srv.url + "/kudos", seen, answers


def test_kudos_webhook_is_signed_retried_and_delivered_once(app, settings, auth, receiver) -> None:
    url, seen, answers = receiver
    settings.sentiment_kudos_webhook_url = url
    settings.sentiment_kudos_webhook_secret = SecretStr(SECRET)
    answers.append(503)  # the first attempt fails; the queue retries
    client = app.test_client()
    body = {"conversationId": "k1", "agentId": "agent-1", "customerScore": 0.95, "agentScore": 0.2}
    out = client.post("/data-actions/evaluate-sentiment", json=body, headers=auth).get_json()
    assert out["decision"] == "kudos"
    drain(app, settings)
    assert len(seen) == 2
    last = seen[-1]
    assert verify_lms_signature(
        SECRET, last["headers"]["X-Qmloop-Signature"], last["body"], int(time.time())
    )
    assert last["headers"]["Idempotency-Key"] == out["recognitionId"]
    assert b'"event":"sentiment.kudos"' in last["body"] and b"customerScore" in last["body"]
    with get_db(app).session_scope() as s:
        assert s.scalars(select(Recognition)).one().delivery_state == "delivered"
    drain(app, settings)
    assert len(seen) == 2  # nothing delivered twice


def test_without_a_webhook_the_recognition_stays_local(app, auth) -> None:
    body = {"conversationId": "k1", "agentId": "agent-1", "customerScore": 0.95, "agentScore": 0.2}
    app.test_client().post("/data-actions/evaluate-sentiment", json=body, headers=auth)
    with get_db(app).session_scope() as s:
        assert s.scalars(select(Recognition)).one().delivery_state == "local"
