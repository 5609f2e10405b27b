"""Every declared export kind: imports the declarations (``service.exports.kinds``), which
import the registry, so lookups live here and imports keep pointing one way."""

from __future__ import annotations

from service.exports import kinds  # noqa: F401  (declarations register at import)
from service.exports.registry import KINDS, ExportKind


def all_kinds() -> list[ExportKind]:
    """Every declared kind, by name."""
    return [KINDS[name] for name in sorted(KINDS)]


def get_kind(name: str) -> ExportKind | None:
    """The kind called ``name``, or None."""
    return KINDS.get(name)
