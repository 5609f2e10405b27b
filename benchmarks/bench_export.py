"""Peak resident memory of a one-million-row export (issue 18): target under 100 MB.

    python benchmarks/bench_export.py [--rows 1000000] [--db sqlite|postgresql]
                                      [--formats csv,jsonl,parquet]

Fills ``coaching_assignments`` with ``--rows`` rows (bulk inserts), then runs each export in a
fresh child process exactly as ``qmloop export`` does (``service.exports.service.stream_export``
to a file) and reports that process's peak RSS (``VmHWM``), its RSS before the export
started (imports, app, database engine), the time taken and the file size.
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


def child(url: str, fmt: str, out: str) -> None:
    """Run one export in this process and print its measurements as JSON."""
    from service.db import Database
    from service.exports import service
    from service.exports.catalog import get_kind
    from service.settings import Settings

    settings = Settings(database_url=url, client_secret="bench", export_settle_seconds=0)
    db = Database(settings)  # what `qmloop export` uses: no Flask app
    kind = get_kind("coaching_assignments")
    assert kind is not None
    sel, _cursor = service.export_window(settings, start=None, end=None, cursor=None)
    before = _rss_mb()
    start = time.perf_counter()
    with open(out, "wb") as fh:
        for chunk in service.stream_export(db, settings, kind, fmt, sel):
            fh.write(chunk)
    seconds = time.perf_counter() - start
    peak = _rss_mb("VmHWM")
    doc = {"format": fmt, "seconds": round(seconds, 1), "baseline_rss_mb": round(before, 1)}
    doc |= {"peak_rss_mb": round(peak, 1), "bytes": os.path.getsize(out)}
    print(json.dumps(doc))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--formats", default="csv,jsonl,parquet")
    parser.add_argument(
        "--child", nargs=3, metavar=("URL", "FORMAT", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with database(args.db) as url, tempfile.TemporaryDirectory() as tmp:
        print(f"filling {args.rows:,} coaching assignments ({args.db}) ...", flush=True)
        print(f"  inserted in {fill(url, args.rows):.1f} s", flush=True)
        worst = 0.0
        for fmt in args.formats.split(","):
            out = f"{tmp}/export.{fmt}"
            cmd = [sys.executable, __file__, "--child", url, fmt, out]
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
            doc = json.loads(proc.stdout.strip().splitlines()[-1])
            worst = max(worst, doc["peak_rss_mb"])
            print(
                f"  {fmt:8} {args.rows:,} rows in {doc['seconds']} s, "
                f"{doc['bytes'] / 1e6:.1f} MB file; RSS before {doc['baseline_rss_mb']} MB, "
                f"peak {doc['peak_rss_mb']} MB (target < {TARGET_MB:.0f} MB)",
                flush=True,
            )
        verdict = "PASS" if worst < TARGET_MB else "FAIL"
        print(f"peak RSS {worst} MB: {verdict}")


if __name__ == "__main__":
    main()
