"""Fetch a transcript from Genesys: find the communication, follow the pre-signed URL, parse."""

from __future__ import annotations

from service.genesys.api import GenesysApi, GenesysNotFound
from service.transcripts.rules import Transcript, parse_genesys


def communication_for(api: GenesysApi, conversation_id: str) -> str:
    """The communication (recording session) id of a conversation; raises ``GenesysNotFound``."""
    for rec in api.get_recordings(conversation_id):
        found = rec.get("sessionId") or rec.get("communicationId")
        if found:
            return str(found)
    raise GenesysNotFound(f"conversation {conversation_id} has no recording yet")


def fetch_transcript(
    api: GenesysApi, conversation_id: str, communication_id: str = ""
) -> Transcript:
    """Download and parse the Speech & Text Analytics transcript of one communication."""
    communication_id = communication_id or communication_for(api, conversation_id)
    url = api.get_transcript_url(conversation_id, communication_id)
    doc = api.download_transcript(url)
    transcript = parse_genesys(doc)
    if not transcript.turns:
        raise GenesysNotFound("the transcript has no phrases yet")
    return transcript
