"""After-call-work events through the queue against the rate-limited fake Genesys.

    python benchmarks/bench_sentiment_events.py [--events 10000] [--agents 500] [--rpm 6000]
                                                [--workers 8] [--db postgresql|sqlite]

``v2.detail.events.conversation.{id}.acw`` events are POSTed to ``/api/v1/events/genesys``
(10 % of them twice); worker threads drain the queue (``sentiment.evaluate``: STA metrics and
the conversation's end time; the transcript only when the customer is below the threshold).
Reports Genesys calls per interaction (target: at most 2 where no pattern fires), total time
against the budget's lower bound calls / (rpm / 60) (target: within 1.15), and lost or doubly
judged interactions (target 0 and 0).
"""

from __future__ import annotations

import argparse
import collections
import copy
import cProfile
import logging
import pstats
import re
import secrets
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import event, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._harness import database
from benchmarks.bench_month_end import drain_with_workers
from service import create_app
from service.db import get_db
from service.fakes.genesys import FakeGenesys
from service.fakes.server import ServerThread
from service.jobs.models import Job
from service.limits.budget import WallClockPostgresBucket
from service.sentiment.models import SentimentInteraction
from service.settings import Settings


def build(fake: FakeGenesys, events: int, agents: int) -> list[dict[str, Any]]:
    """``events`` copies of the fake's conversations spread over ``agents`` agent ids."""
    org = fake.org
    convs = list(org.conversations.values())
    out = []
    for i in range(events):
        conv = copy.deepcopy(convs[i % len(convs)])
        conv["id"] = str(uuid.uuid4())
        org.conversations[conv["id"]] = conv
        out.append({"conversationId": conv["id"], "userId": f"agent-{i % agents}", "queueId": "q"})
    return out


def post(base: str, auth: tuple[str, str], events: list[dict[str, Any]]) -> int:
    """Deliver each event (10 % twice) with 16 concurrent senders; returns requests sent."""
    local = threading.local()
    deliveries = events + events[: len(events) // 10]

    def send(body: dict[str, Any]) -> None:
        if not hasattr(local, "s"):
            local.s = requests.Session()
            local.s.auth = auth
        topic = f"v2.detail.events.conversation.{body['conversationId']}.acw"
        envelope = {"topicName": topic, "eventBody": body}
        local.s.post(f"{base}/api/v1/events/genesys", json=envelope, timeout=30).raise_for_status()

    with ThreadPoolExecutor(16) as ex:
        list(ex.map(send, deliveries))
    return len(deliveries)


_TABLE = re.compile(r"^\s*(\w+)\b(?:.*?\b(?:FROM|INTO)\b)?\s+(\w+)", re.S | re.I)


class Statements:
    """SQL statements the app's engine runs (per kind and table) and the request budget's
    bucket puts (pyrate-limiter, on its own psycopg connections), while ``on``."""

    def __init__(self, engine: Any) -> None:
        self.on = False
        self.sql: collections.Counter[str] = collections.Counter()
        self.puts = collections.Counter[str]()
        event.listen(engine, "before_cursor_execute", self._sql)
        original = WallClockPostgresBucket.put

        def put(bucket: Any, item: Any) -> Any:
            ok = original(bucket, item)
            if self.on:
                self.puts["admitted" if ok else "refused"] += 1
            return ok

        WallClockPostgresBucket.put = put  # type: ignore[method-assign]

    def _sql(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.on:
            m = _TABLE.match(statement)
            self.sql[f"{m.group(1).upper()} {m.group(2)}" if m else statement.split()[0]] += 1

    def report(self, per: int) -> None:
        total = sum(self.sql.values())
        print(f"SQL statements per interaction: {total / per:.1f}")
        for name, n in self.sql.most_common(12):
            print(f"    {n / per:5.2f}  {name}")
        admitted, refused = self.puts["admitted"], self.puts["refused"]
        print(f"budget bucket puts: {admitted} admitted, {refused} refused (retried after a wait)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--rpm", type=int, default=6000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument(
        "--profile", metavar="FILE", help="write the worker threads' CPU profile (pstats) here"
    )
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("service").setLevel(logging.ERROR)
    fake = FakeGenesys(seed=1).start()
    events = build(fake, args.events, args.agents)
    with database(args.db) as url:
        settings = Settings(
            database_url=url,
            client_id="bench",
            client_secret=secrets.token_urlsafe(16),
            secret_key="bench",
            genesys_api_host=fake.url,
            genesys_client_id=fake.client_id,
            genesys_client_secret=fake.client_secret,
            genesys_requests_per_minute=args.rpm,
            genesys_max_retries=8,
            job_backoff_seconds="1,2,5,10",
            log_level="WARNING",
            log_json=False,
            db_pool_size=args.workers + 8,
        )
        app = create_app(settings)
        fake.faults.rate_limit(args.rpm)
        server = ServerThread(app).start()
        t0 = time.monotonic()
        sent = post(
            server.url, (settings.client_id, settings.client_secret.get_secret_value()), events
        )
        ingest = time.monotonic() - t0
        fake.calls.clear()
        stmts = Statements(get_db(app).engine)
        stmts.on, thread_cpu, cpu = True, [], time.process_time()
        profiles: list[cProfile.Profile] | None = [] if args.profile else None
        seconds = drain_with_workers(app, settings, args.workers, thread_cpu, profiles)
        cpu, stmts.on = time.process_time() - cpu, False
        server.stop()
        stats = app.extensions["genesys"].stats()
        with get_db(app).session_scope() as s:
            judged = s.scalar(select(func.count()).select_from(SentimentInteraction)) or 0
            needed_transcript = (
                s.scalar(
                    select(func.count())
                    .select_from(SentimentInteraction)
                    .where(SentimentInteraction.customer_score < -0.6)
                )
                or 0
            )
            attempts = s.scalar(select(func.sum(Job.attempts))) or 0
        get_db(app).dispose()
    calls = sum(fake.calls.values())
    transcript_calls = fake.calls_to("*/recordings") + fake.calls_to("*/transcripturl")
    fake.stop()
    plain = calls - transcript_calls - fake.calls_to("/__signed__/*")
    bound = calls / (args.rpm / 60)
    print(f"events delivered: {sent} ({args.events} interactions, 10 % twice) in {ingest:.1f} s")
    print(f"judged interactions: {judged} (lost {args.events - judged})")
    print(f"customer below threshold (transcript fetched): {needed_transcript}")
    print(f"Genesys calls: {calls}; per interaction without transcript: {plain / args.events:.3f}")
    print(f"drain time: {seconds:.1f} s; budget lower bound: {bound:.1f} s")
    print(f"time / lower bound: {seconds / bound:.3f} (target <= 1.15)")
    print(
        f"CPU during the drain: {cpu:.1f} s of this process ({cpu / seconds:.2f} cores; "
        f"worker threads {sum(thread_cpu):.1f} s = {1000 * sum(thread_cpu) / args.events:.1f} ms "
        f"per interaction; the rest is the fake Genesys and the budget's leak thread)"
    )
    print(
        f"job attempts: {attempts} for {args.events} jobs; client 429s: {stats['throttled_429']}, "
        f"retries: {stats['retries']}, unavailable: {stats['unavailable']}"
    )
    stmts.report(args.events)
    if profiles:
        merged = pstats.Stats(profiles[0])
        for prof in profiles[1:]:
            merged.add(prof)
        merged.dump_stats(args.profile)
        print(f"worker CPU profile: {args.profile} (python -m pstats {args.profile})")


if __name__ == "__main__":
    main()
