"""Sentiment pattern decisions at scale: 1,000,000 interactions for 5,000 agents.

    python benchmarks/bench_sentiment.py [--interactions 1000000] [--agents 5000]

A month of interactions per agent (about 200 each), 20 % qualifying, 10 % unknown, the rest
neutral; 5 % arrive late (out of end-time order) and 1 % are delivered twice. Each delivery is
classified, inserted in end-time order, and every qualifying one asks for its run and pattern
(``service.sentiment.rules.AgentRuns``, the same answers as ``pattern_for``); a pattern that
fires consumes its interactions. Target: under 5 s for the decisions (generation excluded).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.sentiment import rules
from service.sentiment.rules import Item, Thresholds

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def generate(n: int, agents: int, seed: int = 7) -> list[tuple[str, str, datetime, float, float]]:
    """Deliveries (agent, conversation, ended at, customer, agent score) in arrival order."""
    rng = random.Random(seed)
    per_agent = n // agents
    step = timedelta(days=30) / per_agent
    out = []
    for a in range(agents):
        agent = f"agent-{a}"
        for i in range(per_agent):
            roll = rng.random()
            customer = -0.8 if roll < 0.2 else (0.2 if roll < 0.9 else float("nan"))
            out.append((agent, f"{agent}-c{i}", T0 + step * i, customer, -0.5))
    out.sort(key=lambda d: d[2])
    for i in range(0, len(out) - 40, 20):  # 5 %: swap with a delivery a little later
        out[i], out[i + 37] = out[i + 37], out[i]
    dupes = rng.sample(range(len(out)), len(out) // 100)
    for i in sorted(dupes, reverse=True):
        out.insert(min(len(out), i + 50), out[i])
    return out


def decide_all(deliveries, t: Thresholds) -> dict[str, int]:
    """Run every decision; returns counts per outcome."""
    runs: dict[str, rules.AgentRuns] = {}
    counts = {"coach": 0, "watch": 0, "none": 0, "skipped": 0, "duplicate": 0}
    for agent, conv, ended, customer, agent_score in deliveries:
        known = customer if customer == customer else None  # NaN = too few phrases
        status = rules.classify(known, agent_score, t)
        agent_runs = runs.get(agent)
        if agent_runs is None:
            agent_runs = runs[agent] = rules.AgentRuns()
        if not agent_runs.add(Item(conv, ended, status)):
            counts["duplicate"] += 1
            continue
        if status == rules.UNKNOWN:
            counts["skipped"] += 1
        elif status == rules.NEUTRAL:
            counts["none"] += 1
        else:
            _, block = agent_runs.decide(conv, t)
            if block:
                agent_runs.consume(i.key for i in block)
                counts["coach"] += 1
            else:
                counts["watch"] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=5_000)
    args = parser.parse_args()
    deliveries = generate(args.interactions, args.agents)
    start, cpu = time.perf_counter(), time.process_time()
    counts = decide_all(deliveries, Thresholds())
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"deliveries: {len(deliveries):,} for {args.agents:,} agents")
    print(f"outcomes:   {counts}")
    verdict = "PASS" if elapsed < 5.0 else "FAIL"
    print(f"decisions:  {elapsed:.2f} s wall, {cpu:.2f} s CPU (target < 5 s) {verdict}")


if __name__ == "__main__":
    main()
