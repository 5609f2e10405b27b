"""Names for pages (people and forms), never raw ids: the signed-in person's team, then the
Genesys client's user and form caches."""

from __future__ import annotations

import logging
import threading
from typing import Any

from cachetools import TTLCache
from flask import session

from service.genesys import get_genesys
from service.policies.rules import ERASED_ACTOR
from service.workspace.service import AUTOMATED

log = logging.getLogger(__name__)

TOPICS_CACHE_SECONDS = 900
TOPICS_CACHE: TTLCache[str, tuple[str, ...]] = TTLCache(maxsize=4096, ttl=TOPICS_CACHE_SECONDS)
_topics_lock = threading.Lock()


def person(user_id: str) -> str:
    """A person's display name; "Unknown person" when Genesys cannot say."""
    if not user_id:
        return "Unassigned"
    if user_id == AUTOMATED:
        return "QM Loop (automated)"
    if user_id == session.get("uid"):
        return str(session.get("name") or "You")
    team: dict[str, str] = session.get("team") or {}
    if team.get(user_id):
        return team[user_id]
    return _lookup(lambda api: api.get_user(user_id), "Unknown person")


def form(form_id: str, fallback: str = "Evaluation form") -> str:
    """An evaluation form's name; ``fallback`` when Genesys cannot say."""
    return _lookup(lambda api: api.get_published_form(form_id), fallback)


def question(form_id: str, question_id: str) -> str:
    """A question's text from its published form (the Genesys client's form cache); the
    question id when Genesys cannot say."""

    def fetch(api: Any) -> dict[str, Any]:
        found = api.get_published_form(form_id) or {}
        for group in found.get("questionGroups") or []:
            for q in group.get("questions") or []:
                if q.get("id") == question_id:
                    return {"name": q.get("text")}
        return {}

    return _lookup(fetch, question_id)


def _lookup(fetch: Any, fallback: str) -> str:
    api = get_genesys()
    if api is None:
        return fallback
    try:
        found = fetch(api)
    except Exception as exc:  # a name is never worth failing a page for
        log.info("name lookup failed: %s", type(exc).__name__)
        return fallback
    return str(found.get("name") or fallback)


def actor(who: str) -> str:
    """Who made a change, for a page: the person behind a browser session, the command line,
    or the API client (``web:<user id>``, ``cli``, a token's subject); ``erased`` when the
    person was erased (docs/governance.md)."""
    if who.startswith("web:"):
        return f"{person(who[4:])} (web app)"
    if who == "cli" or who.startswith("cli:"):
        return "Command line"
    if who == ERASED_ACTOR:
        return "Erased person"
    return f"{who} (API)" if who else "Unknown"


def topics(conversation_id: str) -> tuple[str, ...]:
    """The conversation's Speech & Text Analytics topic names (from its transcript, through
    the Genesys client and its budget), cached for ``TOPICS_CACHE_SECONDS`` per process;
    () when there is none or Genesys cannot say (the page still renders)."""
    if not conversation_id:
        return ()
    with _topics_lock:
        if conversation_id in TOPICS_CACHE:
            return TOPICS_CACHE[conversation_id]
    api = get_genesys()
    if api is None:
        return ()
    from service.transcripts.service import fetch_transcript

    try:
        found = fetch_transcript(api, conversation_id).topics
    except Exception as exc:  # topics are never worth failing a page for
        log.info("topics lookup failed: %s", type(exc).__name__)
        return ()
    with _topics_lock:
        TOPICS_CACHE[conversation_id] = found
    return found
