"""The response half of a data action: translation map, defaults, success template, contract.

Semantics (Genesys help center, "Response configuration"): each translation-map entry is a
JSONPath over the raw response body; its value reaches the success template as JSON text
(strings keep their quotes). ``translationMapDefaults`` (JSON text too) apply only when the
path does not resolve, not when it resolves to ``null``. A path that neither resolves nor has
a default, a success template that is not JSON, or JSON that does not validate against the
success schema all fail the action.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from jsonpath_ng import JSONPath
from jsonpath_ng.exceptions import JsonPathParserError
from jsonpath_ng.ext import parse as jsonpath_parse

from service.kit.velocity import VelocityError, render


class TranslationError(ValueError):
    """The response could not be turned into the action's output."""


def _compile(path: str) -> JSONPath:
    try:
        return jsonpath_parse(path)
    except (JsonPathParserError, Exception) as exc:  # jsonpath-ng raises bare Exceptions too
        raise TranslationError(f"invalid JSONPath {path!r}: {exc}") from exc


def is_definite(path: str) -> bool:
    """True when the path names one value (no wildcard, slice, filter or deep scan)."""
    return not any(token in path for token in ("*", "..", "?(", ":", ","))


def resolve(body: Any, path: str) -> tuple[bool, Any]:
    """Evaluate a JSONPath; returns (resolved, value). Indefinite paths resolve to a list."""
    matches = [m.value for m in _compile(path).find(body)]
    if is_definite(path):
        return (True, matches[0]) if matches else (False, None)
    return True, matches


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
