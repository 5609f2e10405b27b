"""The response half of a data action: translation map, defaults, success template, contract.

Semantics (Genesys help center, "Response configuration for data actions",
https://help.mypurecloud.com/articles/response-configuration-data-actions/): each
translation-map entry is a JSONPath over the raw response body; its value reaches the success
template as JSON text (strings keep their quotes). "The default value is used if the JSONPath
expression configured in the translation map fails to resolve a value. Null values do not fall
back to defaults." So a definite path that is missing takes its default (``null`` does not), and
so does a filter, wildcard or deep-scan path that matches nothing: an empty match resolves no
value. Without a default, a missing definite path fails the action and an empty indefinite match
stays ``[]`` (Jayway JsonPath, which Genesys runs, returns an empty list there). A success
template that is not JSON, or JSON that does not validate against the success schema, fails the
action.

Paths are Jayway-style: filters with ``==``, ``&&``, ``=~``, ``in`` / ``nin``
(``[?('agent' in @.purpose)]``, ``[?(@.purpose in ['agent','acd'])]``), ``size`` and ``empty``,
deep scan, and a trailing function ``.length()`` / ``.size()`` (also ``.min() .max() .sum()
.avg() .keys()``), evaluated by python-jsonpath (``anyof``/``noneof``/``subsetof`` are not
supported and fail as an invalid path).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import jsonpath
import jsonschema

from service.kit.velocity import VelocityError, render


class TranslationError(ValueError):
    """The response could not be turned into the action's output."""


def _numbers(values: Any) -> list[float]:
    return [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]


def _length(value: Any) -> Any:
    return len(value) if isinstance(value, list | dict | str) else None


# Jayway's path-end functions, applied to what the path before them resolves to.
_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "length": _length,
    "size": _length,
    "min": lambda v: min(_numbers(v), default=None),
    "max": lambda v: max(_numbers(v), default=None),
    "sum": lambda v: sum(_numbers(v)),
    "avg": lambda v: (sum(_numbers(v)) / len(_numbers(v))) if _numbers(v) else None,
    "keys": lambda v: list(v) if isinstance(v, dict) else None,
}
TAIL_FUNCTION = re.compile(r"^(?P<path>.+?)\.(?P<fn>[a-z]+)\(\)$")


_OPERAND = r"(@[\w.\[\]'\"*-]*)"
# Jayway filter operators python-jsonpath spells differently, rewritten before compiling.
_JAYWAY_OPERATORS = [
    (re.compile(_OPERAND + r"\s+nin\s+(\[[^\]]*\])"), r"!(\1 in \2)"),
    (re.compile(_OPERAND + r"\s+size\s+(\d+)"), r"length(\1) == \2"),
    (re.compile(_OPERAND + r"\s+empty\s+true"), r"length(\1) == 0"),
    (re.compile(_OPERAND + r"\s+empty\s+false"), r"length(\1) > 0"),
]


def _jayway(path: str) -> str:
    """``path`` with Jayway's ``nin``, ``size`` and ``empty`` filter operators rewritten."""
    for pattern, replacement in _JAYWAY_OPERATORS:
        path = pattern.sub(replacement, path)
    return path


def _compile(path: str) -> Any:
    try:
        return jsonpath.compile(_jayway(path))
    except jsonpath.JSONPathError as exc:
        raise TranslationError(f"invalid JSONPath {path!r}: {exc}") from exc


def is_definite(path: str) -> bool:
    """True when the path names one value (no wildcard, slice, filter or deep scan)."""
    tail = TAIL_FUNCTION.match(path)
    if tail and tail["fn"] in _FUNCTIONS:
        return True
    return bool(_compile(path).singular_query())


def resolve(body: Any, path: str) -> tuple[bool, Any]:
    """Evaluate a JSONPath; returns (resolved, value). Indefinite paths resolve to a list,
    ``(False, [])`` when it is empty; raises ``TranslationError`` on a path that does not parse."""
    tail = TAIL_FUNCTION.match(path)
    if tail and tail["fn"] in _FUNCTIONS:
        found, value = resolve(body, tail["path"])
        if not found:
            return False, None
        result = _FUNCTIONS[tail["fn"]](value)
        return (result is not None), result
    query = _compile(path)
    try:
        matches = query.findall(body)
    except jsonpath.JSONPathError as exc:
        raise TranslationError(f"JSONPath {path!r} failed: {exc}") from exc
    if query.singular_query():
        return (True, matches[0]) if matches else (False, None)
    return bool(matches), matches


def translate(
    body: Any, translation_map: dict[str, str], defaults: dict[str, str]
) -> dict[str, str]:
    """Each translation-map name to JSON text; raises ``TranslationError`` on a miss."""
    values: dict[str, str] = {}
    for name, path in translation_map.items():
        found, value = resolve(body, path)
        if found:
            values[name] = json.dumps(value, ensure_ascii=False)
        elif name in defaults:
            values[name] = defaults[name]
        elif value == []:
            values[name] = "[]"  # an empty match without a default stays an empty list
        else:
            raise TranslationError(f"{name}: {path} did not resolve and has no default")
    return values


def success_output(
    raw_text: str, response_config: dict[str, Any], success_schema: dict[str, Any]
) -> dict[str, Any]:
    """Run the whole response configuration; raises ``TranslationError`` on any failure."""
    try:
        body = json.loads(raw_text) if raw_text.strip() else {}
    except ValueError as exc:
        raise TranslationError(f"response body is not JSON: {exc}") from exc
    values = translate(
        body,
        response_config.get("translationMap") or {},
        response_config.get("translationMapDefaults") or {},
    )
    template = response_config.get("successTemplate") or "${rawResult}"
    try:
        text = render(template, {**values, "rawResult": raw_text}, where="successTemplate")
    except VelocityError as exc:
        raise TranslationError(str(exc)) from exc
    try:
        output = json.loads(text)
    except ValueError as exc:
        raise TranslationError(
            f"successTemplate did not produce JSON: {exc}: {text[:200]}"
        ) from exc
    validate_output(output, success_schema)
    result: dict[str, Any] = output
    return result


def validate_output(output: Any, schema: dict[str, Any]) -> None:
    """Validate an action's output against its success schema; raises ``TranslationError``."""
    validator = jsonschema.Draft4Validator(schema)
    errors = sorted(validator.iter_errors(output), key=lambda e: list(e.path))
    if errors:
        detail = "; ".join(f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors)
        raise TranslationError(f"output does not match the success schema: {detail}")
