"""The registry of export kinds: one declaration per kind (name, source, columns, row mapping).

A kind's columns are its contract with warehouses and BI tools: names and types are documented
once in ``docs/data-dictionary.md`` (generated from this registry; a test holds them equal) and
only ever grow. Adding a kind is one ``declare(ExportKind(...))`` in ``kinds/<domain>.py``
(plus its row in ``service/auth/matrix.py`` for the BI route).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ColumnType = Literal["string", "integer", "number", "boolean", "timestamp", "date"]
COLUMN_TYPES: tuple[str, ...] = ("string", "integer", "number", "boolean", "timestamp", "date")


@dataclass(frozen=True)
class Column:
    """One exported column: its stable name, type and meaning."""

    name: str
    type: ColumnType
    description: str


@dataclass(frozen=True)
class ExportKind:
    """One export kind.

    ``model`` is the source table; ``occurred`` the attribute ``--from``/``--to`` select on
    (when the fact happened); ``changed`` the attribute (or SQL expression) of the change
    cursor, set on every write of the source row; ``source`` an optional select whose first
    entity is ``model`` (for joins; default ``select(model)``); ``rows(row, ctx)`` turns one
    source row (the entity, or the select's whole row when ``source`` is set) into zero or more
    export rows (dicts keyed by column name), ``ctx`` an ``ExportContext``; ``filters`` are
    the BI API's equality filters, column name to source attribute; ``key`` the columns that
    identify a row (what a loader upserts on).
    """

    name: str
    description: str
    model: Any
    occurred: Any
    changed: Any
    columns: tuple[Column, ...]
    rows: Callable[[Any, Any], Iterable[dict[str, Any]]]
    key: tuple[str, ...]
    filters: Mapping[str, Any] = field(default_factory=dict)
    source: Callable[[], Any] | None = None

    @property
    def column_names(self) -> list[str]:
        """The column names in export order."""
        return [c.name for c in self.columns]


KINDS: dict[str, ExportKind] = {}


def declare(kind: ExportKind) -> ExportKind:
    """Register a kind; raises ``ValueError`` on a duplicate name, key or filter not a column."""
    if kind.name in KINDS:
        raise ValueError(f"export kind {kind.name!r} is declared twice")
    names = set(kind.column_names)
    unknown = (set(kind.key) | set(kind.filters)) - names
    if unknown:
        raise ValueError(f"export kind {kind.name!r}: {sorted(unknown)} are not columns")
    KINDS[kind.name] = kind
    return kind
