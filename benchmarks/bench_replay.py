"""Policy replay at scale: 100,000 evaluations and 1,000,000 interactions under two policies.

    python benchmarks/bench_replay.py [--evaluations 100000] [--interactions 1000000]
                                      [--agents 2000] [--days 91]

A local fixture generator builds a quarter of history for ``--agents`` agents in 100 teams:
finished evaluations on five forms of five sections (a tenth not final, a few agents inactive),
interactions on four queues with stored sentiment (mostly neutral, a fifth negative, some
unknown and highly positive). The replay core (``service.replay.service.report``: both
policies through ``simulate.run`` and the report rules) runs on them in memory, exactly as
``qmloop replay`` does after fetching. Target: under 30 s wall for the replay (generation
excluded); CPU time is printed too because the machine may be shared.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.coaching.rules import GroupScore, evaluation_percentage
from service.coaching.schemas import PolicyDoc
from service.replay import service
from service.replay.simulate import Agent, EvaluationIn, InteractionIn
from service.sentiment.schemas import SentimentPolicyDoc
from service.settings import Settings

T0 = datetime(2026, 8, 3, tzinfo=UTC)  # a Monday
SECTIONS = ("Greeting", "Verification", "Empathy", "Resolution", "Closing")
TARGET_SECONDS = 30.0


def agents(n: int, seed: int) -> dict[str, Agent]:
    """``n`` agents in 100 teams; 2 % inactive, 1 % deleted."""
    rng = random.Random(seed)
    out = {}
    for i in range(n):
        team = i % 100
        roll = rng.random()
        state = "inactive" if roll < 0.02 else ("deleted" if roll < 0.03 else "active")
        out[f"agent-{i}"] = Agent(f"agent-{i}", f"Agent {i}", state, f"lead-{team}", f"Lead {team}")
    return out


def evaluations(n: int, agent_ids: list[str], days: int, seed: int) -> list[EvaluationIn]:
    """``n`` evaluations spread over ``days``, sorted by release time."""
    rng = random.Random(seed)
    step = timedelta(days=days) / n
    out = []
    for i in range(n):
        skill = 0.55 + 0.4 * rng.random()
        groups = tuple(
            GroupScore(
                f"s{k}", name, round(10 * min(1.0, skill + rng.uniform(-0.3, 0.2))), 10, 1, k
            )
            for k, name in enumerate(SECTIONS)
        )
        at = T0 + step * i
        out.append(
            EvaluationIn(
                id=f"ev-{i}",
                agent_id=rng.choice(agent_ids),
                form_id=f"form-{i % 5}",
                status="FINISHED" if rng.random() > 0.1 else "INPROGRESS",
                version=1,
                at=at,
                percentage=evaluation_percentage({}, list(groups)),
                groups=groups,
                evaluation_date=at.isoformat(),
            )
        )
    return out


def interactions(n: int, agent_ids: list[str], days: int, seed: int) -> list[InteractionIn]:
    """``n`` interactions spread over ``days``, sorted by end time."""
    rng = random.Random(seed)
    step = timedelta(days=days) / n
    queues = ("q-sales", "q-care", "q-billing", "q-tech")
    out = []
    for i in range(n):
        roll = rng.random()
        if roll < 0.2:
            customer, agent = -0.8, -0.5  # qualifying
        elif roll < 0.25:
            customer, agent = 0.9, 0.4  # kudos
        elif roll < 0.3:
            customer, agent = None, None  # unknown
        else:
            customer, agent = 0.1, 0.2
        out.append(
            InteractionIn(
                f"conv-{i}", rng.choice(agent_ids), queues[i % 4], T0 + step * i, customer, agent
            )
        )
    return out


def policies(settings: Settings):
    """The stored policy and a candidate: stricter threshold, tighter caps, shorter runs."""
    current = service.policy_set(
        settings,
        "current",
        [PolicyDoc.model_validate({"form_id": "*", "threshold": 75, "weekly_cap": 3})],
        [SentimentPolicyDoc.model_validate({"queue_id": "*"})],
    )
    candidate = service.policy_set(
        settings,
        "candidate",
        [
            PolicyDoc.model_validate({"form_id": "*", "threshold": 80, "weekly_cap": 2}),
            PolicyDoc.model_validate({"form_id": "form-1", "threshold": 70, "max_open": 2}),
        ],
        [
            SentimentPolicyDoc.model_validate({"queue_id": "*", "weekly_cap": 2}),
            SentimentPolicyDoc.model_validate({"queue_id": "q-care", "run_length": 2}),
        ],
    )
    return [current, candidate]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--evaluations", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=91)
    args = parser.parse_args()

    t = time.perf_counter()
    people = agents(args.agents, 1)
    ids = list(people)
    evs = evaluations(args.evaluations, ids, args.days, 2)
    its = interactions(args.interactions, ids, args.days, 3)
    print(
        f"generated {len(evs):,} evaluations, {len(its):,} interactions, {len(ids):,} agents "
        f"in {time.perf_counter() - t:.1f} s"
    )

    settings = Settings(database_url="sqlite://", client_secret="bench")
    span = (T0.date(), T0.date() + timedelta(days=args.days - 1))
    gc.collect()
    gc.disable()  # as in the other benchmarks: measure the replay, not collector pauses
    wall, cpu = time.perf_counter(), time.process_time()
    report = service.report(policies(settings), people, evs, its, span, {"evaluations": len(evs)})
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    gc.enable()

    totals = report["totals"]
    for metric in (
        "assigned",
        "duplicates",
        "capped",
        "inactive",
        "sentiment_sessions",
        "kudos",
        "appointment_hours",
    ):
        values = " vs ".join(f"{v:g}" for v in totals[metric]["values"])
        print(f"  {metric:20} {values}  ({totals[metric]['difference']:+g})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"replay of 2 policies: {wall:.1f} s wall, {cpu:.1f} s CPU; {len(report['rows']):,} rows; "
        f"peak RSS {peak:.0f} MB (target: < {TARGET_SECONDS:.0f} s wall)"
    )
    print("PASS" if wall < TARGET_SECONDS else "FAIL")


if __name__ == "__main__":
    main()
