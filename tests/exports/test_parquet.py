"""The Parquet encoder (arro3-io in a writer thread): every type, read back by pyarrow."""

from __future__ import annotations

import io
import json
import threading
from datetime import UTC, date, datetime, timedelta, timezone

import pyarrow.parquet as pq
import pytest

from service.exports import parquet, rules, writers
from service.exports.registry import Column, ExportKind

KIND = ExportKind(
    name="all_types",
    description="every dictionary type",
    model=None,
    occurred=None,
    changed=None,
    columns=(
        Column("id", "string", "id"),
        Column("n", "integer", "count"),
        Column("x", "number", "value"),
        Column("ok", "boolean", "flag"),
        Column("at", "timestamp", "when"),
        Column("on", "date", "day"),
    ),
    rows=lambda source, ctx: iter(()),
    key=("id",),
)


def _row(i: int) -> dict[str, object]:
    odd = i % 2 == 1
    return {
        "id": f"r{i}" if i % 5 else None,
        "n": i if i % 7 else None,
        "x": (i if odd else i / 4) if i % 11 else None,  # ints in a number column too
        "ok": odd if i % 13 else None,
        "at": datetime(2026, 3, 1, 12, tzinfo=UTC) + timedelta(microseconds=i * 1_000_003)
        if i % 3
        else None,
        "on": date(2026, 3, 1) + timedelta(days=i) if i % 4 else None,
    }


def _read(data: bytes):
    return pq.read_table(io.BytesIO(data))


@pytest.mark.parametrize(("rows", "batch", "group"), [(0, 4, 8), (1, 4, 8), (37, 4, 8), (64, 8, 8)])
def test_parquet_carries_the_same_values_as_json_lines(rows, batch, group):
    source = [_row(i) for i in range(rows)]
    data = b"".join(parquet.encode(source, KIND, row_group=group, batch_rows=batch))
    table = _read(data)
    assert table.column_names == KIND.column_names
    types = [str(f.type) for f in table.schema]
    assert types == ["string", "int64", "double", "bool", "timestamp[us, tz=UTC]", "date32[day]"]
    assert table.num_rows == rows
    assert pq.ParquetFile(io.BytesIO(data)).num_row_groups == -(-rows // group)
    # The same values as the JSON Lines export of the same rows (one encoding of each type).
    jsonl = b"".join(writers.encode(source, KIND, "jsonl")).decode().splitlines()
    back = [json.loads(rules.json_line(r, KIND.column_names)) for r in table.to_pylist()]
    assert back == [json.loads(line) for line in jsonl]


def test_naive_and_offset_times_are_utc_instants():
    est = timezone(timedelta(hours=-5))
    assert parquet.micros(datetime(1970, 1, 1, 0, 0, 1)) == 1_000_000
    assert parquet.micros(datetime(1970, 1, 1, 0, 0, 1, tzinfo=est)) == 5 * 3600 * 10**6 + 10**6
    assert parquet.micros(datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)) == -1
    assert parquet.days(date(1970, 1, 1)) == 0 and parquet.days(date(1969, 12, 31)) == -1


def test_chunks_come_as_row_groups_are_written_not_at_the_end():
    source = (_row(i) for i in range(4000))
    chunks = [c for c in parquet.encode(source, KIND, row_group=500, batch_rows=250) if c]
    assert len(chunks) > 4  # streamed while rows are read, not one file-sized chunk
    assert _read(b"".join(chunks)).num_rows == 4000


def test_a_reader_that_stops_early_ends_the_writer_thread():
    before = threading.active_count()
    stream = parquet.encode((_row(i) for i in range(4000)), KIND, row_group=100, batch_rows=50)
    next(stream)
    stream.close()
    assert threading.active_count() == before


def test_a_value_of_the_wrong_type_fails_the_export():
    bad = [_row(1), {**_row(2), "n": "not a number"}]
    with pytest.raises(Exception):  # noqa: B017  (arro3's conversion error)
        b"".join(parquet.encode(bad, KIND, row_group=8, batch_rows=1))
