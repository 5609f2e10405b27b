"""The JSON Schema subset every structured-output engine we target enforces.

Source: OpenAI, "Structured model outputs", section "Supported schemas"
(https://platform.openai.com/docs/guides/structured-outputs#supported-schemas): the root is an
object (not ``anyOf``); every object sets ``additionalProperties: false`` and lists every
property in ``required``; at most 5,000 object properties in all and 10 levels of nesting; at
most 1,000 enum values in all; a string enum of more than 250 values at most 15,000 characters;
property names, definition names, enum and const values at most 120,000 characters together.
OpenAI rejects ``minLength``/``maxLength`` with a 400; it accepts ``minimum``/``maximum``,
``pattern``, ``format`` and ``minItems``, but outlines-core compiles ``minimum`` without
enforcing it, so the subset here leaves every bound out: the caller validates bounds itself.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

# Structure and annotations only: no keyword that bounds a value.
STRICT_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "const",
        "anyOf",
        "description",
        "title",
        "$ref",
        "$defs",
    }
)
MAX_PROPERTIES = 5000
MAX_DEPTH = 10
MAX_ENUM_VALUES = 1000
MAX_TOTAL_CHARS = 120_000
LARGE_ENUM = 250
MAX_LARGE_ENUM_CHARS = 15_000


class _Tally:
    def __init__(self) -> None:
        self.properties = 0
        self.enum_values = 0
        self.chars = 0
        self.depth = 0
        self.problems: list[str] = []


def strict_problems(schema: dict[str, Any]) -> list[str]:
    """Every way ``schema`` leaves the strict subset (empty when it fits)."""
    tally = _Tally()
    if schema.get("type") != "object" or "anyOf" in schema:
        tally.problems.append("(root): must be a plain object schema")
    _walk(schema, "(root)", 1, tally)
    for name, sub in (schema.get("$defs") or {}).items():
        tally.chars += len(name)
        _walk(sub, f"$defs/{name}", 1, tally)
    limits = [
        (tally.properties, MAX_PROPERTIES, "object properties"),
        (tally.depth, MAX_DEPTH, "levels of nesting"),
        (tally.enum_values, MAX_ENUM_VALUES, "enum values"),
        (tally.chars, MAX_TOTAL_CHARS, "characters of names, enum and const values"),
    ]
    tally.problems += [
        f"(root): {count} {what}, the limit is {limit}"
        for count, limit, what in limits
        if count > limit
    ]
    return tally.problems


def _walk(node: Any, where: str, depth: int, tally: _Tally) -> None:
    if not isinstance(node, dict):
        return
    tally.problems += [
        f"{where}: keyword {k!r} is outside the strict subset"
        for k in sorted(set(node) - STRICT_KEYWORDS)
    ]
    _enum(node, where, tally)
    props = node.get("properties")
    if node.get("type") == "object" or props is not None:
        tally.depth = max(tally.depth, depth)
        _object(node, where, tally)
        for name, sub in (props or {}).items():
            tally.properties += 1
            tally.chars += len(name)
            _walk(sub, f"{where}/{name}", depth + 1, tally)
    if "items" in node:
        _walk(node["items"], f"{where}/items", depth, tally)
    for i, sub in enumerate(node.get("anyOf") or []):
        _walk(sub, f"{where}/anyOf/{i}", depth, tally)


def _object(node: dict[str, Any], where: str, tally: _Tally) -> None:
    if node.get("additionalProperties") is not False:
        tally.problems.append(f"{where}: additionalProperties must be false")
    missing = set(node.get("properties") or {}) - set(node.get("required") or [])
    if missing:
        tally.problems.append(f"{where}: every property must be required ({sorted(missing)})")


def _enum(node: dict[str, Any], where: str, tally: _Tally) -> None:
    values = node.get("enum") or []
    tally.enum_values += len(values)
    strings = sum(len(v) for v in values if isinstance(v, str))
    tally.chars += strings
    if "const" in node and isinstance(node["const"], str):
        tally.chars += len(node["const"])
    if len(values) > LARGE_ENUM and strings > MAX_LARGE_ENUM_CHARS:
        tally.problems.append(
            f"{where}: {len(values)} enum values of {strings} characters, the limit is "
            f"{MAX_LARGE_ENUM_CHARS} above {LARGE_ENUM} values"
        )


class _Fallbacks:
    """Falls back from ``json_schema`` to JSON mode in this process (for the readiness check)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count = 0
        self.reason = ""
        self.model = ""


_FALLBACKS = _Fallbacks()


def record_fallback(model: str, reason: str) -> None:
    """Count one fall back to a weaker output mode and log it as a warning with the reason."""
    with _FALLBACKS.lock:
        _FALLBACKS.count += 1
        _FALLBACKS.reason = reason
        _FALLBACKS.model = model
        count = _FALLBACKS.count
    log.warning(
        "LLM structured output: json_schema rejected, falling back to JSON mode "
        "(answers are then only validated after the fact): %s",
        reason,
        extra={"model": model, "fallbacks": count},
    )


def structured_output_fallbacks() -> dict[str, Any]:
    """``{"count": int, "model": str, "reason": str}``: fallbacks to JSON mode since start-up
    and the last one's model and reason (count 0 and empty strings when none)."""
    with _FALLBACKS.lock:
        return {"count": _FALLBACKS.count, "model": _FALLBACKS.model, "reason": _FALLBACKS.reason}


def reset_fallbacks() -> None:
    """Forget recorded fallbacks (tests)."""
    with _FALLBACKS.lock:
        _FALLBACKS.count, _FALLBACKS.reason, _FALLBACKS.model = 0, "", ""
