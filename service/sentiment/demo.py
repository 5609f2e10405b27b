"""A scripted week of sentiment coaching against the fake Genesys (``qmloop sentiment demo``).

Every interaction goes through ``POST /data-actions/evaluate-sentiment`` as the Genesys workflow
calls it; the job worker books appointments in the fake (schedule-slot suggestions, or computed
from its WFM schedule and forecast where the suggestions API answers 403). A second deployment
with the agent-side switch off (EU AI Act) coaches on customer sentiment alone.
"""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from service import create_app
from service.db import get_db
from service.fakes.genesys import FakeGenesys
from service.jobs.service import drain
from service.migrate import upgrade
from service.sentiment.models import SentimentSession
from service.settings import Settings

BAD = (-0.82, -0.55)
CALM_AGENT = (-0.78, 0.4)
NEUTRAL = (0.1, 0.2)
HAPPY = (0.93, 0.6)
# (agent index, hours after the week's start, (customer, agent)); one line per interaction.
WEEK: list[tuple[int, float, tuple[float, float]]] = [
    (0, 1, BAD),
    (0, 5, BAD),
    (0, 26, BAD),  # third in a row: coached
    (0, 50, BAD),
    (0, 51, BAD),
    (0, 52, BAD),  # another run within 7 days: capped
    (1, 2, BAD),
    (1, 3, NEUTRAL),  # breaks the run
    (1, 30, BAD),
    (1, 53, BAD),  # two in a row: watch
    (1, 28, BAD),  # arrives late but ended between the two: the run is now three
    (2, 4, HAPPY),
    (2, 6, HAPPY),  # same day: one recognition per day
    (2, 29, HAPPY),
]


def _client(app: Flask, settings: Settings) -> Callable[[dict[str, Any]], dict[str, Any]]:
    raw = f"{settings.client_id}:{settings.client_secret.get_secret_value()}".encode()
    headers = {"Authorization": "Basic " + base64.b64encode(raw).decode()}
    client = app.test_client()

    def post(body: dict[str, Any]) -> dict[str, Any]:
        resp = client.post("/data-actions/evaluate-sentiment", json=body, headers=headers)
        return dict(resp.get_json())

    return post


def _app(fake: FakeGenesys, folder: Path, name: str, agent_side: bool) -> tuple[Flask, Settings]:
    settings = Settings(
        database_url=f"sqlite:///{folder / name}",
        client_id="demo",
        client_secret="demo-secret",
        log_json=False,
        log_level="WARNING",
        job_backoff_seconds="0,0,0",
        sentiment_agent_side=agent_side,
        **fake.settings_overrides(),  # type: ignore[arg-type]
    )
    app = create_app(settings)
    upgrade(get_db(app).engine)
    return app, settings


def _bookings(app: Flask) -> list[str]:
    with get_db(app).session_scope() as s:
        rows = list(s.scalars(select(SentimentSession).order_by(SentimentSession.created_at)))
        return [
            f"  {r.agent_id[:8]}: {r.appointment_start or 'not booked'} with {r.facilitator_id[:8]}"
            f" ({len(r.conversation_ids)} interactions) - {r.slot_reason}"
            for r in rows
        ]


def _play(post: Callable[[dict[str, Any]], dict[str, Any]], agents: list[str], start: datetime):
    lines = []
    for n, (who, hours, (customer, agent)) in enumerate(WEEK):
        ended = start + timedelta(hours=hours)
        out = post(
            {
                "conversationId": f"demo-{who}-{n}",
                "agentId": agents[who],
                "customerScore": customer,
                "agentScore": agent,
                "endedAt": ended.isoformat(),
            }
        )
        lines.append(
            f"  {agents[who][:8]} {ended:%a %H:%M} customer {customer:+.2f} agent {agent:+.2f}"
            f" -> {out['decision']:7} {out['reason']} (run {out['consecutive']})"
        )
    return lines


def run_demo() -> list[str]:
    """Play the week and return the report lines."""
    start = (datetime.now(UTC) - timedelta(days=5)).replace(hour=8, minute=0, second=0)
    out = ["Sentiment coaching: a scripted week against the fake Genesys", ""]
    with tempfile.TemporaryDirectory() as tmp, FakeGenesys(seed=1) as fake:
        agents = fake.org.agents[:4]
        app, settings = _app(fake, Path(tmp), "demo.db", agent_side=True)
        out += ["Interactions (through the evaluate-sentiment data action):"]
        out += _play(_client(app, settings), agents, start)
        drain(app, settings)
        out += ["", "Appointments booked (Genesys schedule-slot suggestions):", *_bookings(app)]
        # Where the suggestions API is not licensed, the slot is computed from WFM.
        fake.faults.fail_next(10_000, 403, pattern="/api/v2/coaching/scheduleslots/*")
        post = _client(app, settings)
        for n in range(3):
            post(
                {
                    "conversationId": f"wfm-{n}",
                    "agentId": agents[3],
                    "customerScore": BAD[0],
                    "agentScore": BAD[1],
                    "endedAt": (start + timedelta(hours=n)).isoformat(),
                }
            )
        drain(app, settings)
        out += ["", "With the suggestions API answering 403 (computed from WFM):", *_bookings(app)]
        get_db(app).dispose()
        eu, eu_settings = _app(fake, Path(tmp), "eu.db", agent_side=False)
        post = _client(eu, eu_settings)
        for n in range(3):
            res = post(
                {
                    "conversationId": f"eu-{n}",
                    "agentId": agents[3],
                    "customerScore": CALM_AGENT[0],
                    "agentScore": CALM_AGENT[1],
                    "endedAt": (start + timedelta(hours=n)).isoformat(),
                }
            )
        drain(eu, eu_settings)
        out += [
            "",
            "Agent-side sentiment off (QM_SENTIMENT_AGENT_SIDE=false): customer criterion only",
            f"  third negative-customer interaction, calm agent -> {res['decision']}",
            *_bookings(eu),
        ]
        get_db(eu).dispose()
    return out
