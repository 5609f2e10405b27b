"""Request and response models of exports and the BI API; BI models are built from the registry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from service.api import Input, Output
from service.exports.registry import ExportKind

_PY_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "timestamp": datetime,
    "date": date,
}


class ExportQuery(Input):
    """Query of a streamed export download."""

    start: datetime | None = Field(
        default=None, alias="from", description="Rows that occurred at or after (ISO 8601, UTC)."
    )
    end: datetime | None = Field(
        default=None, alias="to", description="Rows that occurred before (ISO 8601, UTC)."
    )
    cursor: str | None = Field(
        default=None, description="The X-QMLoop-Next-Cursor of the previous run: only changes."
    )
    format: Literal["csv", "jsonl", "parquet"] = "csv"


class ColumnOut(Output):
    name: str
    type: str
    description: str


class KindOut(Output):
    name: str
    description: str
    key: list[str]
    filters: list[str]
    columns: list[ColumnOut]

    @classmethod
    def of(cls, kind: ExportKind) -> KindOut:
        """The dictionary entry of one kind."""
        return cls(
            name=kind.name,
            description=kind.description,
            key=list(kind.key),
            filters=list(kind.filters),
            columns=[
                ColumnOut(name=c.name, type=c.type, description=c.description) for c in kind.columns
            ],
        )


class KindList(Output):
    kinds: list[KindOut]


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


class BiQuery(Input):
    """Paging and the occurrence window, common to every BI route."""

    limit: int = Field(default=100, ge=1, le=1000, description="Rows per page.")
    cursor: str | None = Field(
        default=None, description="nextCursor of the previous page (omit to start)."
    )
    start: datetime | None = Field(default=None, alias="from", description="Occurred at or after.")
    end: datetime | None = Field(default=None, alias="to", description="Occurred before.")


def bi_query_model(kind: ExportKind) -> type[BiQuery]:
    """The BI route's query: ``BiQuery`` plus the kind's equality filters."""
    fields: dict[str, Any] = {
        name: (str | None, Field(default=None, description=f"Only rows with this {name}."))
        for name in kind.filters
    }
    return create_model(f"{_camel(kind.name)}Query", __base__=BiQuery, **fields)


def bi_row_model(kind: ExportKind) -> type[BaseModel]:
    """One row of a kind, typed as the data dictionary says (every column nullable)."""
    fields: dict[str, Any] = {
        c.name: (_PY_TYPES[c.type] | None, Field(default=None, description=c.description))
        for c in kind.columns
    }
    return create_model(f"{_camel(kind.name)}Row", __base__=Output, **fields)


def bi_page_model(kind: ExportKind, row: type[BaseModel]) -> type[BaseModel]:
    """A BI page: rows, the cursor to pass next (keep it for the next sync), more to come."""
    fields: dict[str, Any] = {
        "data": (list[row], ...),  # type: ignore[valid-type]
        "nextCursor": (
            str | None,
            Field(description="Resume after the last row (null: none yet)."),
        ),
        "hasMore": (bool, Field(description="True when another page follows right now.")),
    }
    return create_model(f"{_camel(kind.name)}Page", __base__=Output, **fields)
