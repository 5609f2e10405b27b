"""A large retention purge next to live writes (targets: longest batch < 1 s, writer p99 < 100 ms).

Run by hand: ``python benchmarks/bench_purge.py [--rows N] [--batch N] [--backend postgresql]``.
Seeds N old scoring requests, each with one LLM call, a sentiment interaction, a finished
dispute review with a round and a disputed question and an insights section score, then runs two
purges at once (the worker's job and a manual ``qmloop purge``; ``--purgers``) while another
thread writes a new scoring request every 10 ms.
Prints rows removed (each once), wall time, the longest batch transaction and the writer's p50 /
p99 latency. Seeding is not timed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert

from benchmarks._harness import database
from service import create_app
from service.db import get_db, new_id, utcnow
from service.disputes.models import DisputeItem, DisputeRound, Review
from service.governance import retention
from service.insights.models import SectionScore
from service.scoring.models import ScoringCall, ScoringRequest
from service.sentiment.models import SentimentInteraction
from service.settings import Settings


def seed(db, n: int) -> None:
    """N old rows of each kind, inserted in chunks (core inserts)."""
    old = utcnow() - timedelta(days=1000)
    with db.engine.begin() as conn:
        for start in range(0, n, 2000):
            ids = [new_id() for _ in range(start, min(n, start + 2000))]
            reviews = [new_id() for _ in ids]
            conn.execute(
                insert(ScoringRequest),
                [
                    {
                        "id": i,
                        "idempotency_key": i,
                        "conversation_id": f"c-{i}",
                        "agent_id": "a",
                        "scorecard_id": "s",
                        "scorecard_version": "1",
                        "status": "written",
                        "result": {"items": [{"quote": "x" * 200}]},
                        "review_reasons": [],
                        "created_at": old,
                        "updated_at": old,
                    }
                    for i in ids
                ],
            )
            calls = [
                {"id": new_id(), "request_id": i, "attempt": 1, "created_at": old} for i in ids
            ]
            conn.execute(insert(ScoringCall), calls)
            conn.execute(
                insert(SentimentInteraction),
                [
                    {
                        "id": new_id(),
                        "conversation_id": f"c-{i}",
                        "agent_id": "a",
                        "ended_at": old,
                        "created_at": old,
                    }
                    for i in ids
                ],
            )
            conn.execute(
                insert(Review),
                [
                    {
                        "id": r,
                        "evaluation_id": f"e-{r}",
                        "agent_id": "a",
                        "status": "resolved",
                        "questions": [],
                        "finished_at": old,
                        "released_at": old,
                        "created_at": old,
                        "updated_at": old,
                    }
                    for r in reviews
                ],
            )
            conn.execute(
                insert(SectionScore),
                [
                    {
                        "id": new_id(),
                        "evaluation_id": i,
                        "evaluation_version": 0,
                        "agent_id": "a",
                        "conversation_id": f"c-{i}",
                        "form_id": "f",
                        "section_id": "s",
                        "section_name": "s",
                        "section_key": "s",
                        "percentage": 50.0,
                        "evaluated_at": old,
                        "recorded_at": old,
                    }
                    for i in ids
                ],
            )
            conn.execute(
                insert(DisputeRound),
                [{"id": new_id(), "review_id": r, "number": 1} for r in reviews],
            )
            conn.execute(
                insert(DisputeItem),
                [
                    {
                        "id": new_id(),
                        "review_id": r,
                        "round_number": 1,
                        "question_id": "q",
                        "reason": "r",
                    }
                    for r in reviews
                ],
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--purgers", type=int, default=2, help="purges running at once")
    args = parser.parse_args()
    with database(args.backend) as url:
        app = create_app(Settings(database_url=url, client_secret="x"))
        db = get_db(app)
        seed(db, args.rows)
        days = retention.retention_days({})
        batches: list[float] = []
        results: list[dict[str, int]] = []
        stop = threading.Event()
        waits: list[float] = []

        def purger() -> None:
            with db.session_scope() as s:
                mark = [time.perf_counter()]

                @event.listens_for(s, "after_commit")
                def _lap(_s: object) -> None:
                    now = time.perf_counter()
                    batches.append(now - mark[0])
                    mark[0] = now

                results.append(retention.purge(s, days, commit=True, batch_size=args.batch))

        def writer() -> None:
            n = 0
            while not stop.is_set():
                t = time.perf_counter()
                with db.session_scope() as s:
                    s.add(
                        ScoringRequest(
                            idempotency_key=f"live-{n}",
                            conversation_id="live",
                            scorecard_id="s",
                            scorecard_version="1",
                        )
                    )
                waits.append(time.perf_counter() - t)
                n += 1
                time.sleep(0.01)

        w = threading.Thread(target=writer)
        w.start()
        t0 = time.perf_counter()
        threads = [threading.Thread(target=purger) for _ in range(args.purgers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        stop.set()
        w.join()
        total = {k: sum(r[k] for r in results) for k in retention.KINDS}
        waits.sort()
        print(
            f"backend {args.backend}, {args.rows} rows per kind, batch {args.batch},",
            f"{args.purgers} purge(s) at once",
        )
        print(f"removed: {total}")
        print(
            f"wall time: {wall:.2f} s; batches: {len(batches)};",
            f"longest batch: {max(batches) * 1000:.0f} ms (target < 1000)",
        )
        p99 = waits[int(len(waits) * 0.99) - 1] * 1000
        print(
            f"writer: {len(waits)} writes, p50 {statistics.median(waits) * 1000:.1f} ms,",
            f"p99 {p99:.1f} ms (target < 100)",
        )
        db.dispose()


if __name__ == "__main__":
    main()
