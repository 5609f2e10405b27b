"""Data action throughput and latency under gunicorn, next to a bare Flask endpoint.

    python benchmarks/bench_endpoints.py [--seconds 10] [--rate 200]

1. ``normalize-score`` vs a bare Flask endpoint parsing the same JSON, both under gunicorn with
   the same workers and threads, closed loop with wrk: requests/s, p50, p99 and the ratio
   (target: at least 0.6 of the bare endpoint's throughput).
2. ``assign-coaching`` on PostgreSQL at a fixed 200 requests/s, open loop (every request a new
   evaluation and agent, so each one writes an assignment and a delivery job):
   p50/p99 (target: p99 under 50 ms).
Needs ``wrk`` (apt-get install wrk) and the local PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._harness import (
    database,
    gunicorn,
    open_loop,
    raw_post,
    service_env,
    wrk,
)

NORMALIZE = json.dumps(
    {"evaluationId": "e-1", "status": "FINISHED", "score": 61, "totalPoints": 80}
)


def bench_normalize(seconds: int, workers: int, threads: int) -> dict[str, object]:
    """Max throughput of normalize-score vs the bare endpoint."""
    with (
        database("sqlite") as url,
        gunicorn("service:create_app()", service_env(url), workers, threads) as base,
    ):
        ours = wrk(base + "/data-actions/normalize-score", NORMALIZE, seconds)
    with gunicorn("benchmarks.bare_app:app", {}, workers, threads) as base:
        bare = wrk(base + "/data-actions/normalize-score", NORMALIZE, seconds)
    return {
        "normalize_score": ours,
        "bare_flask": bare,
        "throughput_ratio": ours["rps"] / bare["rps"],
    }


def bench_assign(rate: float, seconds: int, workers: int, threads: int) -> dict[str, object]:
    """Fixed-rate assign-coaching on PostgreSQL."""
    run = uuid.uuid4().hex[:6]
    with (
        database("postgresql") as url,
        gunicorn("service:create_app()", service_env(url), workers, threads) as base,
    ):

        def send(i: int) -> int:
            body = {
                "agentId": f"agent-{run}-{i}",
                "evaluationId": f"eval-{run}-{i}",
                "sectionId": "empathy",
                "sectionName": "Empathy",
                "percentage": 61.5,
                "evaluationDate": "2026-11-20T10:00:00Z",
            }
            status, raw = raw_post(base, "/data-actions/assign-coaching", json.dumps(body).encode())
            if status == 200 and json.loads(raw)["decision"] != "assigned":
                return 599
            return status

        for i in range(50):  # warm the pools
            send(-i - 1)
        return open_loop(send, rate, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    norm = bench_normalize(args.seconds, args.workers, args.threads)
    print(json.dumps(norm, indent=2))
    ratio = float(norm["throughput_ratio"])  # type: ignore[arg-type]
    print(f"normalize-score / bare Flask throughput: {ratio:.2f} (target >= 0.60)")
    assign = bench_assign(args.rate, args.seconds, args.workers, args.threads)
    print(json.dumps(assign, indent=2))
    print(
        f"assign-coaching p99 at {args.rate:.0f} rps on PostgreSQL: {assign['p99_ms']:.1f} ms "
        f"(target < 50 ms), errors {assign['errors']}"
    )


if __name__ == "__main__":
    main()
