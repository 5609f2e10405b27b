"""Shared test helpers: people with tokens, a session factory, an in-memory Genesys."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from service.auth.service import issue_token
from service.calibration.models import CalibrationSession
from service.db import get_db
from service.genesys.api import GenesysNotFound, GenesysUnavailable

BASE = "/api/v1/calibration"
EXPERT, ALICE, BOB = "user-xavier", "user-alice", "user-bob"
AI = "ai:gpt-test"
QUESTIONS = [{"id": "greet", "name": "Greeting"}, {"id": "product", "name": "Product knowledge"}]


def bearer(settings, role: str, user_id: str = "") -> dict[str, str]:
    """Headers of a person (or client) with the given role."""
    return {"Authorization": f"Bearer {issue_token(settings, 'person-' + user_id, role, user_id)}"}


def people(settings) -> dict[str, dict[str, str]]:
    """Everyone the blindness tests look through."""
    return {
        "expert": bearer(settings, "supervisor", EXPERT),
        "alice": bearer(settings, "agent", ALICE),
        "bob": bearer(settings, "agent", BOB),
        "admin": bearer(settings, "admin", "user-admin"),
        "supervisor": bearer(settings, "supervisor", "user-sam"),
        "outsider": bearer(settings, "agent", "user-olga"),
    }


def session_body(**over: Any) -> dict[str, Any]:
    """A two-conversation session with three people and the AI scorer."""
    body = {
        "name": "March calibration",
        "formId": "form-1",
        "expertId": EXPERT,
        "evaluatorIds": [ALICE, BOB],
        "aiEvaluatorIds": [AI],
        "deadline": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
        "interactions": [
            {"conversationId": "conv-1", "agentId": "agent-1", "handleSeconds": 300},
            {"conversationId": "conv-2", "agentId": "agent-2", "handleSeconds": 600},
        ],
        "questions": QUESTIONS,
    }
    body.update(over)
    return body


def create(client, settings, **over: Any) -> dict[str, Any]:
    """Create a session as an admin; returns its JSON."""
    resp = client.post(
        f"{BASE}/sessions", json=session_body(**over), headers=people(settings)["admin"]
    )
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def score_body(conversation: str, total: float, product: str = "good", **over: Any) -> dict:
    """A score with two answered questions."""
    body = {
        "conversationId": conversation,
        "totalScore": total,
        "answers": [
            {"questionId": "greet", "answerId": "yes", "score": 1, "maxScore": 1},
            {"questionId": "product", "answerId": product, "score": 2, "maxScore": 4},
        ],
    }
    body.update(over)
    return body


def submit(client, headers, session_id: str, conversation: str, total: float, **over: Any):
    """Post one score."""
    return client.post(
        f"{BASE}/sessions/{session_id}/scores",
        json=score_body(conversation, total, **over),
        headers=headers,
    )


def set_deadline(app, session_id: str, when: datetime) -> None:
    """Move a session's deadline (tests cannot wait for the clock)."""
    with get_db(app).session_scope() as s:
        s.execute(
            update(CalibrationSession)
            .where(CalibrationSession.id == session_id)
            .values(deadline=when)
        )


class MemoryGenesys:
    """Just the Genesys calls calibration makes, in memory."""

    def __init__(self) -> None:
        self.calibrations: dict[str, dict[str, Any]] = {}
        self.created: list[dict[str, Any]] = []
        self.conversations: list[dict[str, Any]] = []
        self.queries: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self.lose_next_create_answer = 0
        self.list_supported = True

    def create_calibration(self, body: dict[str, Any]) -> dict[str, Any]:
        cid = f"gcal-{next(self._ids)}"
        self.created.append(body)
        self.calibrations[cid] = {"id": cid, **body, "evaluations": []}
        if self.lose_next_create_answer:
            self.lose_next_create_answer -= 1
            raise GenesysUnavailable("answer lost after create", retry_after=0)
        return self.calibrations[cid]

    def request(self, method: str, path: str, *, params=None, json=None, headers=None):
        if not (self.list_supported and method == "GET" and path == "/api/v2/quality/calibrations"):
            raise GenesysNotFound("no such route")
        conversation = (params or {}).get("conversationId")
        found = [c for c in self.calibrations.values() if c["conversation"]["id"] == conversation]
        return {"entities": found}

    def get_calibration(self, calibration_id: str) -> dict[str, Any]:
        return self.calibrations[calibration_id]

    def query_conversation_details(self, body: dict[str, Any]) -> dict[str, Any]:
        self.queries.append(body)
        size, page = body["paging"]["pageSize"], body["paging"]["pageNumber"]
        chunk = self.conversations[(page - 1) * size : page * size]
        return {"conversations": chunk, "totalHits": len(self.conversations)}
