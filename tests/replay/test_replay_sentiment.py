"""Sentiment replay equals live: interactions judged one by one by ``sentiment.service.evaluate``
at their end time, then replayed from the stored rows under the same policies, give each agent
the same kudos, coaching sessions and capped patterns; a candidate changes them."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from service.db import get_db
from service.replay import service, simulate, sources
from service.replay.schemas import ReplayIn
from service.sentiment import policies as sentiment_policies
from service.sentiment.schemas import EvaluateSentimentIn
from service.sentiment.service import evaluate

START = datetime(2026, 10, 5, 8, tzinfo=UTC)  # a Monday
KINDS = [(-0.82, -0.55), (-0.78, 0.4), (0.1, 0.2), (0.93, 0.6), (None, None), (-0.9, None)]
AGENTS = ["a1", "a2", "a3", "a4"]


def history(seed: int = 7, n: int = 160) -> list[EvaluateSentimentIn]:
    """Interactions over three weeks, mostly negative so runs, caps and kudos all happen."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        customer, agent = rng.choices(KINDS, weights=[8, 2, 3, 2, 1, 1])[0]
        out.append(
            EvaluateSentimentIn(
                conversationId=f"c{i:04d}",
                agentId=rng.choice(AGENTS),
                customerScore=customer,
                agentScore=agent,
                queueId=rng.choice(["q1", "q2"]),
                endedAt=START + timedelta(minutes=190 * i),
            )
        )
    return out


def live(app, settings, items) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    sessions: set[str] = set()
    for body in items:
        with get_db(app).session_scope() as session:
            out = evaluate(session, settings=settings, genesys=None, body=body, now=body.endedAt)
        if out.decision == "kudos":
            counts[(body.agentId, "kudos")] += 1
        if out.decision == "capped":
            counts[(body.agentId, "sentiment_capped")] += 1
        if out.decision == "coach" and out.assignmentId not in sessions:
            sessions.add(out.assignmentId)
            counts[(body.agentId, "sentiment_sessions")] += 1
    return counts


def replayed(app, settings, compare_yaml: str | None = None) -> list[Counter[tuple[str, str]]]:
    body = ReplayIn.model_validate(
        {"from": "2026-10-01", "to": "2026-11-15", "compareYaml": compare_yaml}
    )
    with get_db(app).session_scope() as session:
        interactions = sources.load_interactions(session, body.start, body.end)
        policies = service.policies_for(session, settings, body)
    agents = {a: simulate.Agent(a, a.upper()) for a in AGENTS}
    out = []
    for tally in service.run(policies, agents, [], interactions):
        counts: Counter[tuple[str, str]] = Counter()
        for (_week, agent, metric), n in tally.counts.items():
            if metric in ("kudos", "sentiment_capped", "sentiment_sessions"):
                counts[(agent, metric)] += n
        out.append(counts)
    return out


@pytest.mark.parametrize("cap", [1, 2])
def test_sentiment_replay_gives_the_live_kudos_sessions_and_caps(app, settings, cap):
    with get_db(app).session_scope() as session:
        sentiment_policies.load_file(
            session,
            text=f"policies:\n  - queue_id: '*'\n    weekly_cap: {cap}\n"
            "  - queue_id: q2\n    run_length: 2\n",
        )
    want = live(app, settings, history())
    (got,) = replayed(app, settings)
    assert got == want
    metrics = Counter(m for (_a, m), n in want.items() for _ in range(n))
    assert metrics["kudos"] >= 3 and metrics["sentiment_sessions"] >= 3
    assert metrics["sentiment_capped"] >= 1


def test_a_candidate_sentiment_policy_changes_the_replay_only(app, settings):
    want = live(app, settings, history())
    candidate = (
        "policies: []\n"
        "sentiment_policies:\n  - queue_id: '*'\n    weekly_cap: 0\n    kudos_above: 0.95\n"
    )
    current, loose = replayed(app, settings, candidate)
    assert current == want
    total = Counter()
    for (_a, m), n in loose.items():
        total[m] += n
    assert total["kudos"] == 0 and total["sentiment_capped"] == 0
    assert total["sentiment_sessions"] > sum(
        n for (_a, m), n in want.items() if m == "sentiment_sessions"
    )
