"""Choosing calibration interactions: eligibility, handle-time strata, agent spread, seeded fill.

Pure functions. The same candidates and the same seed always give the same selection, so a
session records its seed and anyone can re-run the draw.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from service.genesys.formats import genesys_interval
from service.reliability.ratings import r4
from service.transcripts.rules import is_agent_participant


@dataclass(frozen=True)
class Candidate:
    """A conversation that might be calibrated."""

    conversation_id: str
    agent_id: str
    handle_seconds: float
    talk_seconds: float
    media_type: str = "voice"
    has_recording: bool = True
    start: datetime | None = None


@dataclass(frozen=True)
class Criteria:
    """Eligibility: recent voice calls with enough talk time and a recording or transcript."""

    min_talk_seconds: float = 180.0
    days: int = 14
    media_type: str = "voice"


def eligible(candidates: Iterable[Candidate], criteria: Criteria, now: datetime) -> list[Candidate]:
    """Candidates that meet the criteria, deduplicated by conversation, in a stable order."""
    since = now - timedelta(days=criteria.days)
    seen: dict[str, Candidate] = {}
    for c in candidates:
        if (
            c.media_type == criteria.media_type
            and c.talk_seconds >= criteria.min_talk_seconds
            and c.has_recording
            and c.agent_id
            and (c.start is None or since <= c.start <= now)
        ):
            seen.setdefault(c.conversation_id, c)
    return sorted(seen.values(), key=lambda c: (c.handle_seconds, c.conversation_id))


def strata(pool: Sequence[Candidate], count: int) -> list[list[Candidate]]:
    """Split a handle-time-sorted pool into ``count`` contiguous bands of near-equal size."""
    bands = max(1, min(count, len(pool)))
    size, extra = divmod(len(pool), bands)
    out, start = [], 0
    for i in range(bands):
        end = start + size + (1 if i < extra else 0)
        out.append(list(pool[start:end]))
        start = end
    return out


def _pick(rng: random.Random, options: Sequence[Candidate], agents: set[str]) -> Candidate | None:
    """A random option, preferring an agent not yet chosen."""
    fresh = [c for c in options if c.agent_id not in agents]
    choice = fresh or list(options)
    return rng.choice(choice) if choice else None


def select(
    pool: Sequence[Candidate], *, count: int, seed: int, min_agents: int = 3
) -> dict[str, Any]:
    """Pick ``count`` interactions: one per handle-time band preferring new agents, then random.

    Returns the picks (in band order, then fill order), the seed, and whether the agent spread
    was reached (it cannot be when fewer agents appear in the pool).
    """
    rng = random.Random(seed)
    ordered = sorted(pool, key=lambda c: (c.handle_seconds, c.conversation_id))
    chosen: list[Candidate] = []
    agents: set[str] = set()
    for band in strata(ordered, count):
        left = [c for c in band if c not in chosen]
        pick = _pick(rng, left, agents if len(agents) < min_agents else set())
        if pick is not None:
            chosen.append(pick)
            agents.add(pick.agent_id)
    rest = [c for c in ordered if c not in chosen]
    while len(chosen) < count and rest:
        pick = _pick(rng, rest, agents if len(agents) < min_agents else set())
        assert pick is not None
        chosen.append(pick)
        agents.add(pick.agent_id)
        rest.remove(pick)
    available = len({c.agent_id for c in ordered})
    return {
        "picks": chosen,
        "seed": seed,
        "pool_size": len(ordered),
        "agents": len(agents),
        "agent_spread_met": len(agents) >= min(min_agents, count),
        "agents_available": available,
        "handle_seconds": [r4(c.handle_seconds) for c in chosen],
    }


# --- reading Genesys analytics conversation details ---


def details_query(now: datetime, days: int, page: int, page_size: int = 100) -> dict[str, Any]:
    """The body of ``POST /api/v2/analytics/conversations/details/query`` for one page."""
    start = now - timedelta(days=days)
    return {
        "interval": genesys_interval(start, now),
        "order": "asc",
        "orderBy": "conversationStart",
        "paging": {"pageSize": page_size, "pageNumber": page},
        "segmentFilters": [
            {
                "type": "and",
                "predicates": [{"type": "dimension", "dimension": "mediaType", "value": "voice"}],
            }
        ],
    }


def _metric_seconds(sessions: Iterable[Mapping[str, Any]], name: str) -> float:
    total_ms = 0.0
    for s in sessions:
        for m in s.get("metrics") or []:
            if m.get("name") == name and isinstance(m.get("value"), (int, float)):
                total_ms += float(m["value"])
    return total_ms / 1000.0


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def candidate_from_details(conv: Mapping[str, Any]) -> Candidate | None:
    """A candidate from one analytics conversation; None without an agent participant."""
    participants = conv.get("participants") or []
    agent = next((p for p in participants if p.get("userId") and is_agent_participant(p)), None)
    if agent is None:
        return None
    sessions = [s for p in participants for s in p.get("sessions") or []]
    agent_sessions = agent.get("sessions") or []
    media = next((s.get("mediaType") for s in agent_sessions if s.get("mediaType")), "")
    recorded = any(s.get("recording") or s.get("recordings") for s in sessions)
    start, end = (
        _parse_time(conv.get("conversationStart")),
        _parse_time(conv.get("conversationEnd")),
    )
    handle = _metric_seconds(agent_sessions, "tHandle")
    if not handle and start and end:
        handle = (end - start).total_seconds()  # no tHandle metric: the conversation's length
    return Candidate(
        conversation_id=str(conv.get("conversationId", "")),
        agent_id=str(agent["userId"]),
        handle_seconds=handle,
        talk_seconds=_metric_seconds(agent_sessions, "tTalkComplete"),
        media_type=str(media).lower(),
        has_recording=bool(recorded),
        start=start,
    )
