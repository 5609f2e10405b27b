"""A small in-memory stand-in for the ``GenesysApi`` methods coaching uses (unit-level tests).

End-to-end tests use the real fake server over HTTP; this one counts calls and injects faults.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from service.genesys.api import GenesysNotFound, GenesysUnavailable

FORM_ID = "form-v1"


def make_form(groups: list[tuple[str, str, float]], form_id: str = FORM_ID) -> dict[str, Any]:
    """A published form with (id, name, weight) question groups."""
    return {
        "id": form_id,
        "name": "Quality form",
        "weightMode": "SCALED",
        "questionGroups": [{"id": g, "name": n, "weight": w} for g, n, w in groups],
    }


def make_evaluation(
    evaluation_id: str,
    scores: list[tuple[str, float, float]],
    *,
    agent_id: str = "agent-1",
    status: str = "FINISHED",
    form_id: str = FORM_ID,
    na: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A Genesys evaluation with (group id, points, possible) group scores."""
    return {
        "id": evaluation_id,
        "status": status,
        "agent": {"id": agent_id},
        "evaluationForm": {"id": form_id},
        "releaseDate": "2026-11-20T10:00:00Z",
        "answers": {
            "questionGroupScores": [
                {
                    "questionGroupId": gid,
                    "totalScoreUnweighted": pts,
                    "maxTotalScoreUnweighted": possible,
                    "markedNA": gid in na,
                }
                for gid, pts, possible in scores
            ]
        },
    }


class MemoryGenesys:
    """Evaluations, forms, users, workitems and learning assignments in dictionaries."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.evaluations: dict[str, dict[str, Any]] = {}
        self.forms: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.workitems: list[dict[str, Any]] = []
        self.learning: list[dict[str, Any]] = []
        self.appointments: list[dict[str, Any]] = []
        self.calls: dict[str, int] = {}
        self.fail_next: dict[str, int] = {}  # method -> how many GenesysUnavailable to raise

    def _call(self, name: str) -> None:
        with self.lock:
            self.calls[name] = self.calls.get(name, 0) + 1
            if self.fail_next.get(name, 0) > 0:
                self.fail_next[name] -= 1
                raise GenesysUnavailable(f"{name}: injected 503", retry_after=0)

    def get_evaluation(self, conversation_id: str, evaluation_id: str) -> dict[str, Any]:
        self._call("get_evaluation")
        if evaluation_id not in self.evaluations:
            raise GenesysNotFound(f"evaluation {evaluation_id}")
        return dict(self.evaluations[evaluation_id])

    def get_published_form(self, form_id: str) -> dict[str, Any]:
        self._call("get_published_form")
        if form_id not in self.forms:
            raise GenesysNotFound(f"form {form_id}")
        return self.forms[form_id]

    def get_user(self, user_id: str) -> dict[str, Any]:
        self._call("get_user")
        return self.users.get(user_id, {"id": user_id, "state": "active"})

    def find_workitem_by_external_tag(self, external_tag: str) -> dict[str, Any] | None:
        self._call("find_workitem_by_external_tag")
        with self.lock:
            return next((w for w in self.workitems if w.get("externalTag") == external_tag), None)

    def create_workitem(self, body: dict[str, Any]) -> dict[str, Any]:
        self._call("create_workitem")
        item = {**body, "id": str(uuid.uuid4())}
        with self.lock:
            self.workitems.append(item)
        return item

    def find_learning_assignments(self, user_id: str, module_id: str) -> list[dict[str, Any]]:
        self._call("find_learning_assignments")
        return [a for a in self.learning if a["userId"] == user_id and a["moduleId"] == module_id]

    def create_learning_assignment(self, body: dict[str, Any]) -> dict[str, Any]:
        self._call("create_learning_assignment")
        item = {**body, "id": str(uuid.uuid4()), "state": "Assigned"}
        self.learning.append(item)
        return item

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        self._call(f"request {method} {path}")
        if path == "/api/v2/coaching/appointments" and method == "GET":
            return {"entities": list(self.appointments)}
        raise GenesysNotFound(path)

    def query_schedule_slots(self, body: dict[str, Any]) -> dict[str, Any]:
        self._call("query_schedule_slots")
        return {
            "suggestedSlots": [
                {
                    "dateStart": "2026-11-24T09:00:00Z",
                    "lengthInMinutes": 30,
                    "differenceRating": "Neutral",
                },
                {
                    "dateStart": "2026-11-24T10:00:00Z",
                    "lengthInMinutes": 30,
                    "differenceRating": "Good",
                },
            ]
        }

    def create_coaching_appointment(self, body: dict[str, Any]) -> dict[str, Any]:
        self._call("create_coaching_appointment")
        item = {**body, "id": str(uuid.uuid4())}
        self.appointments.append(item)
        return item
