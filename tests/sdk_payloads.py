"""Event payloads built from the Genesys SDK's own model classes, every attribute filled.

Nothing here is typed by hand: the attributes, their JSON names, their types and the allowed
values of enum-like strings all come from ``PureCloudPlatformClientV2`` (``swagger_types``,
``attribute_map`` and each setter's ``allowed_values``), so a field Genesys adds, or a type it
declares, reaches our tests with the next SDK upgrade.
"""

from __future__ import annotations

import inspect
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

sdk = pytest.importorskip("PureCloudPlatformClientV2")

_ALLOWED = re.compile(r"allowed_values = \[(.*?)\]", re.S)
WHEN = datetime(2026, 11, 20, 9, 30, 15, 123000, tzinfo=UTC)


def allowed_values(klass: type, attr: str) -> list[str]:
    """The enum values the SDK's setter accepts for ``attr`` (empty for free text)."""
    source = inspect.getsource(getattr(klass, attr).fset)
    found = _ALLOWED.search(source)
    return re.findall(r'"([^"]*)"', found.group(1)) if found else []


def _value(klass: type, attr: str, swagger_type: str, seed: int) -> Any:
    inner = re.match(r"list\[(.*)\]$", swagger_type)
    if inner:
        return [_value(klass, attr, inner.group(1), seed)]
    if swagger_type == "str":
        choices = allowed_values(klass, attr)
        return choices[seed % len(choices)] if choices else f"{attr}-{seed}"
    scalars: dict[str, Any] = {
        "int": seed + 3,
        "float": seed + 0.5,
        "bool": True,
        "datetime": WHEN,
        "date": date(2026, 11, 20),
        "object": {"key": attr},
    }
    if swagger_type in scalars:
        return scalars[swagger_type]
    return build(swagger_type, seed=seed)


def build(class_name: str, seed: int = 0, **overrides: Any) -> Any:
    """An SDK model instance with every attribute set (``overrides`` by Python attribute name)."""
    klass = getattr(sdk.models, class_name)
    model = klass()
    for attr, swagger_type in model.swagger_types.items():
        value = overrides.get(attr, _value(klass, attr, swagger_type, seed))
        setattr(model, attr, value)
    return model


def payload(class_name: str, seed: int = 0, **overrides: Any) -> dict[str, Any]:
    """The JSON body (camelCase keys) the SDK would send for a fully filled model."""
    data: dict[str, Any] = sdk.ApiClient().sanitize_for_serialization(
        build(class_name, seed, **overrides)
    )
    return data


def json_keys(class_name: str) -> set[str]:
    """Every top-level JSON key the SDK model declares."""
    return set(getattr(sdk.models, class_name)().attribute_map.values())
