"""``qmloop export KIND``: stream one export kind to a file or stdout."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import click


def parse_when(value: str | None, name: str) -> datetime | None:
    """An ISO 8601 date or datetime option as aware UTC; raises ``click.BadParameter``."""
    from service import boundary
    from service.exports.rules import instant

    if value is None:
        return None
    parsed = boundary.parse_iso_day(value)
    if parsed is None:
        raise click.BadParameter("must be an ISO 8601 date or datetime", param_hint=name)
    reason = boundary.year_problem(parsed)
    if reason:
        raise click.BadParameter(reason, param_hint=name)
    return instant(parsed)


def _kind_names() -> list[str]:
    from service.exports.catalog import kind_names

    return kind_names()


def _read_cursor(cursor: str | None, cursor_file: Path | None) -> str | None:
    if cursor or cursor_file is None or not cursor_file.exists():
        return cursor
    return cursor_file.read_text().strip() or None


@click.command("export")
@click.argument("kind", type=click.Choice(_kind_names()), metavar="KIND")
@click.option("--from", "start", help="Rows that occurred at or after (ISO 8601, UTC).")
@click.option("--to", "end", help="Rows that occurred before (ISO 8601, UTC).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl", "parquet"]),
    default="csv",
    show_default=True,
)
@click.option("--cursor", help="The cursor a previous run printed: export only what changed since.")
@click.option(
    "--cursor-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the cursor from this file (when it exists) and store the next one there on success.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File (default: stdout).",
)
def export_command(
    kind: str,
    start: str | None,
    end: str | None,
    fmt: str,
    cursor: str | None,
    cursor_file: Path | None,
    output: Path | None,
) -> None:
    """Export every row of KIND (docs/data-dictionary.md), streamed in constant memory.

    Prints the next run's cursor on stderr; a nightly job passes it back (or uses
    --cursor-file) to fetch only the rows that changed.
    """
    from service.cli import load_settings
    from service.db import Database
    from service.errors import ServiceError
    from service.exports import service

    # No Flask app: an export needs only the database, and skipping every domain's imports
    # keeps the process small (benchmarks/bench_export.py measures it).
    settings = load_settings()
    db = Database(settings)
    found = service.kind_or_404(kind)
    try:
        sel, next_cursor = service.export_window(
            settings,
            start=parse_when(start, "--from"),
            end=parse_when(end, "--to"),
            cursor=_read_cursor(cursor, cursor_file),
        )
    except ServiceError as exc:
        raise click.ClickException(exc.detail) from None
    chunks = service.stream_export(db, settings, found, fmt, sel)
    if output is None:
        _write(chunks, sys.stdout.buffer)
    else:
        with output.open("wb") as fh:
            _write(chunks, fh)
    db.dispose()
    if cursor_file is not None:
        cursor_file.write_text(next_cursor + "\n")
    click.echo(f"next cursor: {next_cursor}", err=True)


def _write(chunks: object, fh: BinaryIO) -> None:
    for chunk in chunks:  # type: ignore[attr-defined]
        if chunk:
            fh.write(chunk)
    fh.flush()


commands = [export_command]
