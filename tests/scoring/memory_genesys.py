"""An in-memory object with the ``GenesysApi`` methods scoring uses (before the HTTP fake)."""

from __future__ import annotations

import copy
import json
from typing import Any

from service.genesys.api import GenesysError, GenesysNotFound, GenesysUnavailable
from tests.scoring.conftest import EXAMPLES


class MemoryGenesys:
    """Published forms, transcripts and evaluations held in dictionaries; every call logged."""

    def __init__(self) -> None:
        self.form = json.loads((EXAMPLES / "genesys" / "published_form.json").read_text())
        self.transcript = json.loads((EXAMPLES / "genesys" / "transcript.json").read_text())
        self.evaluations: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, str] = {}
        self.calls: list[tuple[str, Any]] = []
        self.transcript_ready = True
        self.fail_create: int | None = None
        self.create_status = "FINISHED"
        self.unavailable = 0

    def _log(self, name: str, arg: Any = None) -> None:
        self.calls.append((name, arg))
        if self.unavailable:
            self.unavailable -= 1
            raise GenesysUnavailable("fake outage", retry_after=0)

    def publish(self, form: dict[str, Any]) -> None:
        """An administrator publishes a new version."""
        self.form = form

    def get_published_form(self, form_id: str) -> dict[str, Any]:
        self._log("get_published_form", form_id)
        if form_id not in (self.form["id"], self.form["contextId"]):
            raise GenesysNotFound(form_id)
        return copy.deepcopy(self.form)

    def request(self, method: str, path: str, **_: Any) -> Any:
        self._log("request", path)
        if method == "GET" and path.startswith("/api/v2/quality/publishedforms/evaluations/"):
            return self.get_published_form(path.rsplit("/", 1)[1])
        raise GenesysNotFound(path)

    def get_recordings(self, conversation_id: str) -> list[dict[str, Any]]:
        self._log("get_recordings", conversation_id)
        return [{"id": "rec-1", "sessionId": self.transcript["communicationId"]}]

    def get_transcript_url(self, conversation_id: str, communication_id: str) -> str:
        self._log("get_transcript_url", (conversation_id, communication_id))
        if not self.transcript_ready:
            raise GenesysNotFound("transcript still processing")
        return f"https://s3.example/{conversation_id}/{communication_id}?sig=x"

    def download_transcript(self, url: str) -> dict[str, Any]:
        self._log("download_transcript", url)
        return copy.deepcopy(self.transcript)

    def create_evaluation(
        self, conversation_id: str, body: dict[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        self._log("create_evaluation", idempotency_key)
        if self.fail_create:
            raise GenesysError(
                "unprocessable", upstream_status=self.fail_create, body={"code": "bad"}
            )
        if idempotency_key in self.keys:
            return copy.deepcopy(self.evaluations[self.keys[idempotency_key]])
        evaluation_id = f"eval-{len(self.evaluations) + 1}"
        stored = {**copy.deepcopy(body), "id": evaluation_id, "status": self.create_status}
        self.evaluations[evaluation_id] = stored
        self.keys[idempotency_key] = evaluation_id
        return copy.deepcopy(stored)

    def update_evaluation(
        self, conversation_id: str, evaluation_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        self._log("update_evaluation", evaluation_id)
        self.evaluations[evaluation_id].update(copy.deepcopy(body))
        return copy.deepcopy(self.evaluations[evaluation_id])
