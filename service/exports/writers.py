"""Encode export rows as CSV, JSON Lines or Parquet, a chunk at a time (constant memory)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from service.exports import rules
from service.exports.registry import ExportKind

FLUSH_ROWS = 1000  # CSV / JSON Lines: bytes handed on every this many rows
# Parquet: rows per row group (and per batch held in memory). 2,000 keeps the batch's share of
# peak RSS near 12 MB (10,000: ~40 MB); pyarrow's import alone is ~62 MB.
ROW_GROUP_ROWS = 2_000


def encode(
    rows: Iterable[dict[str, Any]], kind: ExportKind, fmt: str, *, row_group: int = ROW_GROUP_ROWS
) -> Iterator[bytes]:
    """The export file of ``rows`` as a stream of byte chunks; raises ``ValueError`` for an
    unknown format."""
    if fmt == "csv":
        return _csv(rows, kind.column_names)
    if fmt == "jsonl":
        return _jsonl(rows, kind.column_names)
    if fmt == "parquet":
        return _parquet(rows, kind, row_group)
    raise ValueError(f"unknown export format {fmt!r}")


def _csv(rows: Iterable[dict[str, Any]], names: list[str]) -> Iterator[bytes]:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(names)
    for n, row in enumerate(rows, 1):
        out.writerow([rules.cell_text(row.get(name)) for name in names])
        if n % FLUSH_ROWS == 0:
            yield _take(buf)
    yield _take(buf)


def _jsonl(rows: Iterable[dict[str, Any]], names: list[str]) -> Iterator[bytes]:
    buf = io.StringIO()
    for n, row in enumerate(rows, 1):
        buf.write(rules.json_line(row, names))
        if n % FLUSH_ROWS == 0:
            yield _take(buf)
    yield _take(buf)


def _take(buf: io.StringIO) -> bytes:
    data = buf.getvalue().encode("utf-8")
    buf.seek(0)
    buf.truncate()
    return data


class _Sink(io.RawIOBase):
    """A write-only file that hands its bytes on instead of keeping them."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.size += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.size

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def arrow_schema(kind: ExportKind) -> Any:
    """The Parquet (Arrow) schema of a kind, from the dictionary types."""
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "integer": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "date": pa.date32(),
    }
    return pa.schema([pa.field(c.name, types[c.type]) for c in kind.columns])


def _parquet(rows: Iterable[dict[str, Any]], kind: ExportKind, row_group: int) -> Iterator[bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(kind)
    names = kind.column_names
    sink = _Sink()
    writer = pq.ParquetWriter(sink, schema)
    # Column lists, not a list of row dicts: a row group's values are held once, column-wise.
    columns: list[list[Any]] = [[] for _ in names]
    count = 0
    for row in rows:
        for values, name in zip(columns, names, strict=True):
            values.append(row.get(name))
        count += 1
        if count == row_group:
            writer.write_batch(_batch(pa, columns, schema))
            count = 0
            yield sink.drain()
    if count:
        writer.write_batch(_batch(pa, columns, schema))
    writer.close()
    yield sink.drain()


def _batch(pa: Any, columns: list[list[Any]], schema: Any) -> Any:
    """One record batch of the collected columns (then emptied); ints in float columns cast."""
    arrays = []
    for values, field in zip(columns, schema, strict=True):
        if pa.types.is_floating(field.type):
            values[:] = [float(v) if isinstance(v, int) else v for v in values]
        arrays.append(pa.array(values, type=field.type))
        values.clear()
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
