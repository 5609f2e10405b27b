"""Peak resident memory of a one-million-row export (issue 18): target under 100 MB.

    python benchmarks/bench_export.py [--rows 1000000] [--db sqlite|postgresql]
                                      [--formats csv,jsonl,parquet] [--via cli,http]

Fills ``coaching_assignments`` with ``--rows`` rows (bulk inserts), then runs each export in a
fresh child process and reports that process's peak RSS (``VmHWM``), its RSS before the export
started, the time taken and the file size. Each export is one process (the Parquet writer is
a thread of it, so nothing is left out of the peak).

- ``cli``: the ``qmloop export KIND --format F -o FILE`` command itself (``service.cli.main``,
  in the measured process); "before" is after importing the command line. The target applies.
- ``http``: ``GET /api/v1/exports/KIND`` through the whole Flask app (every domain loaded, as
  in a web worker), the streamed body written to a file; "before" is the built app. A web
  worker's size is the app's, so here the export's share is the peak minus before.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._harness import ROOT, database

TARGET_MB = 100.0


def _rss_mb(field: str = "VmRSS") -> float:
    """This process's resident set (``VmRSS``) or its peak so far (``VmHWM``), in MB.

    Not ``getrusage``: its ``ru_maxrss`` keeps the high-water mark of the parent it was forked
    from across ``exec``, so a child of a big parent would report the parent's peak.
    """
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def fill(url: str, rows: int, batch: int = 20_000) -> float:
    """Insert ``rows`` assignments; returns seconds taken."""
    from sqlalchemy import create_engine

    from service.coaching.models import CoachingAssignment

    engine = create_engine(url)
    table = CoachingAssignment.__table__
    start = time.perf_counter()
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        for first in range(0, rows, batch):
            values = [_row(i, base) for i in range(first, min(first + batch, rows))]
            conn.execute(table.insert(), values)
    engine.dispose()
    return time.perf_counter() - start


def _row(i: int, base: datetime) -> dict[str, object]:
    when = base + timedelta(seconds=i)
    return {
        "id": f"a{i:012d}",
        "evaluation_id": f"eval-{i}",
        "evaluation_version": 0,
        "agent_id": f"agent-{i % 5000}",
        "conversation_id": f"conv-{i}",
        "form_id": "form-1",
        "section_id": f"sec-{i % 7}",
        "section_name": "Greeting and verification",
        "section_key": f"form-1:sec-{i % 7}:{i}",
        "percentage": round(40 + (i % 3500) / 100, 2),
        "module_id": "module-1",
        "evaluation_date": date(2026, 1, 1),
        "due_date": date(2026, 1, 8),
        "trigger": "data_action",
        "status": "completed" if i % 3 else "open",
        "target": "local",
        "target_reason": "",
        "target_options": {},
        "delivery_state": "local",
        "external_id": "",
        "created_at": when,
        "updated_at": when,
        "closed_at": when if i % 3 else None,
        "close_reason": "",
        "review_flag": "",
    }


ENV = {"QM_EXPORT_SETTLE_SECONDS": "0", "QM_CLIENT_ID": "bench", "QM_CLIENT_SECRET": "bench"}
ENV |= {"QM_SECRET_KEY": "bench-secret-key-for-the-export-benchmark"}


def _run_cli(fmt: str, out: str) -> None:
    from service.cli import main

    before = _rss_mb()
    start = time.perf_counter()
    args = ["export", "coaching_assignments", "--format", fmt, "-o", out]
    main.main(args, standalone_mode=False)
    _report(fmt, before, start, out)


def _run_http(fmt: str, out: str) -> None:
    import base64

    from service import create_app

    app = create_app()
    client = app.test_client()
    auth = base64.b64encode(f"{ENV['QM_CLIENT_ID']}:{ENV['QM_CLIENT_SECRET']}".encode())
    before = _rss_mb()
    start = time.perf_counter()
    resp = client.get(
        f"/api/v1/exports/coaching_assignments?format={fmt}",
        headers={"Authorization": "Basic " + auth.decode()},
        buffered=False,
    )
    assert resp.status_code == 200, resp.status_code
    with open(out, "wb") as fh:
        for chunk in resp.response:
            fh.write(chunk)
    resp.close()
    _report(fmt, before, start, out)


def _report(fmt: str, before: float, start: float, out: str) -> None:
    seconds = time.perf_counter() - start
    peak = _rss_mb("VmHWM")
    doc = {"format": fmt, "seconds": round(seconds, 1), "baseline_rss_mb": round(before, 1)}
    doc |= {"peak_rss_mb": round(peak, 1), "bytes": os.path.getsize(out)}
    print(json.dumps(doc))


def child(via: str, fmt: str, out: str) -> None:
    """Run one export in this process and print its measurements as JSON."""
    (_run_cli if via == "cli" else _run_http)(fmt, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--formats", default="csv,jsonl,parquet")
    parser.add_argument("--via", default="cli", help="cli, http or cli,http")
    parser.add_argument(
        "--child", nargs=3, metavar=("VIA", "FORMAT", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with database(args.db) as url, tempfile.TemporaryDirectory() as tmp:
        print(f"filling {args.rows:,} coaching assignments ({args.db}) ...", flush=True)
        print(f"  inserted in {fill(url, args.rows):.1f} s", flush=True)
        env = os.environ | ENV | {"QM_DATABASE_URL": url, "QM_INSTANCE_PATH": tmp}
        worst = 0.0
        for via in args.via.split(","):
            for fmt in args.formats.split(","):
                doc = _measure(via, fmt, f"{tmp}/export.{fmt}", env)
                if via == "cli":
                    worst = max(worst, doc["peak_rss_mb"])
                grew = doc["peak_rss_mb"] - doc["baseline_rss_mb"]
                print(
                    f"  {via:4} {fmt:8} {args.rows:,} rows in {doc['seconds']} s, "
                    f"{doc['bytes'] / 1e6:.1f} MB file; RSS before {doc['baseline_rss_mb']} MB, "
                    f"peak {doc['peak_rss_mb']} MB (+{grew:.1f} MB)",
                    flush=True,
                )
        if "cli" in args.via:
            verdict = "PASS" if worst < TARGET_MB else "FAIL"
            print(f"qmloop export peak RSS {worst} MB (target < {TARGET_MB:.0f} MB): {verdict}")


def _measure(via: str, fmt: str, out: str, env: dict[str, str]) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", via, fmt, out]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
