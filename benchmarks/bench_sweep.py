"""The reconciliation sweep's page of conversation ids on PostgreSQL: N rows in every table it
reads (service/governance/deletion.py ``held_queries``), each query's plan and time, and one
whole page (``held_conversations``) from the middle of the id range.

Rows are filled by ``generate_series`` with a distinct value in every text column (foreign keys
unchecked for the fill: ``session_replication_role = replica``); only ``conversation_id`` matters.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from benchmarks._harness import database
from service.governance.deletion import held_conversations, held_queries


def _value(column: str, data_type: str) -> str:
    if column == "conversation_id":
        return "'conv-' || lpad(g::text, 9, '0')"
    if column == "close_reason":
        return "''"
    if "timestamp" in data_type or data_type == "date":
        return "now() - make_interval(days => g % 3000)"
    if data_type in ("integer", "bigint", "smallint", "double precision", "real", "numeric"):
        return "0"
    if data_type in ("json", "jsonb"):
        return "'[]'"
    if data_type == "boolean":
        return "false"
    return "'x' || g::text"


def fill(conn, table: str, n: int) -> None:
    """``n`` rows of ``table`` with conversation ids conv-000000001..n."""
    cols = conn.execute(
        text("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = :t"),
        {"t": table},
    ).all()
    names = ", ".join(c for c, _ in cols)
    values = ", ".join(_value(c, t) for c, t in cols)
    conn.execute(
        text(f"INSERT INTO {table} ({names}) SELECT {values} FROM generate_series(1, {n}) g")
    )
    conn.execute(text(f"ANALYZE {table}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000, help="rows per table")
    parser.add_argument("--page", type=int, default=100, help="conversations per run")
    parser.add_argument(
        "--without-indexes", action="store_true", help="drop every ix_*_conversation_id index first"
    )
    args = parser.parse_args()
    middle = f"conv-{args.rows // 2:09d}"
    with database("postgresql") as url:
        engine = create_engine(url)
        queries = held_queries(middle, args.page)
        with engine.begin() as conn:
            conn.execute(text("SET session_replication_role = replica"))
            for query in queries:
                table = query.selected_columns[0].table.name
                if args.without_indexes:  # the state before the conversation_id migrations
                    conn.execute(text(f"DROP INDEX IF EXISTS ix_{table}_conversation_id"))
                fill(conn, table, args.rows)
        with engine.connect() as conn:
            for query in queries:
                sql = str(
                    query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
                )
                plan = "\n".join(r[0] for r in conn.execute(text(f"EXPLAIN ANALYZE {sql}")))
                scan = re.search(r"(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)", plan)
                took = re.search(r"Execution Time: ([\d.]+) ms", plan)
                table = query.selected_columns[0].table.name
                found = (scan.group(1) if scan else "?", took.group(1) if took else "?")
                print(f"{table:34} {found[0]:18} {found[1]:>8} ms")
        laps = []
        with Session(engine) as session:
            for _ in range(5):
                start = time.perf_counter()
                ids = held_conversations(session, middle, args.page)
                laps.append((time.perf_counter() - start) * 1000)
        assert len(ids) == args.page
        print(f"held_conversations page of {args.page}: median {statistics.median(laps):.1f} ms")
        engine.dispose()


if __name__ == "__main__":
    main()
