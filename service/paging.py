"""List reads of the REST API: optional equality filters, newest first, at most ``limit`` rows.

``GET /api/v1/assignments``, ``/api/v1/jobs`` and ``/api/v1/sentiment/recognitions`` read their
rows the same way; the query models bound ``limit`` with ``PageLimit``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, TypeVar

from pydantic import Field
from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import InstrumentedAttribute, Session

T = TypeVar("T")

PageLimit = Annotated[int, Field(ge=1, le=1000)]
"""How many rows a list route answers at most (a query parameter, 1 to 1000)."""


def where_given(stmt: Select[T], filters: Mapping[Any, object]) -> Select[T]:
    """``stmt`` with ``column == value`` for each ``{column: value}`` whose value is given
    (not ``""`` nor ``None``); a filter left empty matches everything."""
    for column, value in filters.items():
        if value not in ("", None):
            stmt = stmt.where(column == value)
    return stmt


def newest_first(
    session: Session,
    stmt: Select[T],
    *,
    by: InstrumentedAttribute[Any] | ColumnElement[Any],
    limit: int,
) -> Sequence[T]:
    """The rows of ``stmt``, ``by`` descending, at most ``limit``."""
    return session.scalars(stmt.order_by(by.desc()).limit(limit)).all()
