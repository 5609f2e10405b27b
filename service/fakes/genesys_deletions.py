"""Deletions inside the fake Genesys (a GDPR request or a retention policy there), for tests of
QM Loop's reconciliation: Genesys sends no event for either."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from service.genesys.formats import genesys_datetime


def delete_conversation(fake: Any, conversation_id: str) -> bool:
    """Remove a conversation, its transcripts and its evaluations; False when unknown.

    Afterwards ``GET /api/v2/conversations/{id}`` (and its recordings) answer 404.
    """
    with fake.lock:
        org = fake.org
        if org.conversations.pop(conversation_id, None) is None:
            return False
        for key in [k for k in org.transcripts if k.startswith(f"{conversation_id}/")]:
            del org.transcripts[key]
        for eid in [
            e
            for e, ev in org.evaluations.items()
            if (ev.get("conversation") or {}).get("id") == conversation_id
        ]:
            del org.evaluations[eid]
        return True


def delete_recording(fake: Any, conversation_id: str) -> bool:
    """Mark a conversation's recording deleted (``fileState`` DELETED, ``deleteDate`` now) and
    drop its transcript; the conversation stays. False when the conversation is unknown."""
    with fake.lock:
        conv = fake.org.conversations.get(conversation_id)
        if conv is None:
            return False
        recording = conv["_recording"]
        recording["fileState"] = "DELETED"
        recording["deleteDate"] = genesys_datetime(datetime.now(UTC))
        fake.org.transcripts.pop(f"{conversation_id}/{conv['_communicationId']}", None)
        return True
