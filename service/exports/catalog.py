"""Every declared export kind, loaded on first use: a lookup imports the declaring module
(``service.exports.kinds.MODULE_OF``), which imports the registry, so imports point one way."""

from __future__ import annotations

import importlib

from service.exports.kinds import MODULE_OF
from service.exports.registry import KINDS, ExportKind


def kind_names() -> list[str]:
    """Every kind's name, sorted, without importing any kind's module."""
    return sorted(MODULE_OF)


def all_kinds() -> list[ExportKind]:
    """Every declared kind, by name (imports every kind's module)."""
    for module in sorted(set(MODULE_OF.values())):
        importlib.import_module(f"service.exports.kinds.{module}")
    return [KINDS[name] for name in sorted(KINDS)]


def get_kind(name: str) -> ExportKind | None:
    """The kind called ``name`` (importing only its module), or None."""
    module = MODULE_OF.get(name)
    if module is None:
        return None
    importlib.import_module(f"service.exports.kinds.{module}")
    return KINDS.get(name)
