"""Month-end spike against the fake Genesys: many evaluations fetched at once by many threads.

Each "evaluation" does what the coaching pipeline does first: fetch the evaluation (agent and form
expanded), the published form and the agent. Prints HTTP calls per evaluation, 429s, retries and
how close the client stays to the request budget.

    python -m benchmarks.genesys_month_end --evaluations 300 --threads 16 --rpm 1200
    python -m benchmarks.genesys_month_end --server-rpm 600 --rpm 1200   # we overshoot: 429s
    python -m benchmarks.genesys_month_end --chaos 0.1                   # 10 % faults
"""

from __future__ import annotations

import argparse
import copy
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from service.fakes.genesys import FakeGenesys
from service.genesys.client import GenesysClient
from service.settings import Settings


def main() -> None:
    """Run the spike and print the numbers."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--evaluations", type=int, default=300)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--rpm", type=int, default=1200, help="client budget, requests/minute")
    parser.add_argument("--server-rpm", type=int, default=0, help="fake's limit; default = --rpm")
    parser.add_argument("--chaos", type=float, default=0.0, help="fault probability per request")
    parser.add_argument("--verbose", action="store_true", help="log every retry")
    args = parser.parse_args()
    if not args.verbose:
        logging.getLogger("qmloop.genesys").setLevel(logging.ERROR)

    fake = FakeGenesys(seed=1).start()
    fake.faults.rate_limit(args.server_rpm or args.rpm)
    if args.chaos:
        fake.faults.chaos(args.chaos, seed=1)
    originals = list(fake.org.evaluations.values())
    work = []
    for i in range(args.evaluations):
        ev = copy.deepcopy(originals[i % len(originals)])
        ev["id"] = str(uuid.uuid4())
        fake.org.evaluations[ev["id"]] = ev
        work.append((ev["conversation"]["id"], ev["id"]))
    client = GenesysClient(
        Settings(
            genesys_api_host=fake.url,
            genesys_client_id=fake.client_id,
            genesys_client_secret=fake.client_secret,
            genesys_requests_per_minute=args.rpm,
            genesys_max_retries=8,
            genesys_backoff_base_seconds=0.2,
        )
    )
    failures = 0

    def one(item: tuple[str, str]) -> None:
        nonlocal failures
        try:
            ev = client.get_evaluation(*item)
            client.get_published_form(ev["evaluationForm"]["id"])
            client.get_user(ev["agent"]["id"])
        except Exception:  # counted, the benchmark keeps going
            failures += 1

    started = time.monotonic()
    with ThreadPoolExecutor(args.threads) as pool:
        list(pool.map(one, work))
    elapsed = time.monotonic() - started
    stats = client.stats()
    api_calls = stats["http_calls"] - stats["paths"].get("/oauth/token", 0)
    fake.stop()
    print(f"evaluations            {args.evaluations} ({args.threads} threads)")
    print(f"elapsed                {elapsed:.1f} s")
    print(f"API calls              {api_calls} ({api_calls / args.evaluations:.2f} per evaluation)")
    steady = max(api_calls - client.budget.capacity, 0) / elapsed * 60
    print(
        f"budget                 {args.rpm}/min = burst {client.budget.capacity:.0f} "
        f"+ {client.budget.rate * 60:.0f}/min"
    )
    print(f"rate after the burst   {steady:.0f}/min")
    print(f"429s seen              {stats['throttled_429']}")
    print(f"retries                {stats['retries']}")
    print(f"token fetches          {stats['token_fetches']}")
    print(f"budget wait (sum)      {client.budget.waited_seconds:.1f} s")
    print(f"failed evaluations     {failures}")
    print(f"calls by path          {stats['paths']}")


if __name__ == "__main__":
    main()
