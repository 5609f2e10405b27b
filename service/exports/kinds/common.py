"""Shared shorthand of the kind declarations: the column types and a column-tuple builder."""

from __future__ import annotations

from typing import Any

from service.exports.registry import Column

S, INT, N, B, T, D = "string", "integer", "number", "boolean", "timestamp", "date"


def cols(*spec: tuple[str, Any, str]) -> tuple[Column, ...]:
    """Columns from ``(name, type, description)`` triples."""
    return tuple(Column(name, kind, text) for name, kind, text in spec)
