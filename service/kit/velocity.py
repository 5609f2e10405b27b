"""Velocity rendering the way Genesys data actions do it: airspeed plus the Genesys macro tools.

Genesys renders ``requestUrlTemplate``, ``headers``, ``requestTemplate`` and ``successTemplate``
with Apache Velocity and a fixed set of tools (``$esc``, ``$math``, ``$encoding``,
``$successTemplateUtils``, ``$urlTool``). Velocity writes an unresolved formal reference
(``${input.x}`` with no value) back as its own text; Genesys would then send that text, so
``render`` reports every such reference instead of letting it through silently.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import airspeed

_UNRESOLVED: ContextVar[list[str] | None] = ContextVar("velocity_unresolved", default=None)


class VelocityError(ValueError):
    """A template that does not parse, fails at run time, or leaves references unresolved."""


class JavaBool:
    """A boolean that renders the way Java does (``true``/``false``), not Python's ``True``."""

    def __init__(self, value: bool) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return self.value

    def __str__(self) -> str:
        return "true" if self.value else "false"

    def __eq__(self, other: object) -> bool:
        return bool(self) == bool(other) if isinstance(other, bool | JavaBool) else False

    def __hash__(self) -> int:
        return hash(self.value)


class EscapeTool:
    """``$esc``: the escaping methods the Genesys help center documents."""

    def jsonString(self, value: Any) -> str | None:
        """Escape a value for use inside a JSON string literal (quotes not included)."""
        if value is None:
            return None
        return json.dumps(str(value), ensure_ascii=False)[1:-1]

    def url(self, value: Any) -> str | None:
        """Form-encode a value as Java's ``URLEncoder`` does (space becomes ``+``)."""
        if value is None:
            return None
        return urllib.parse.quote_plus(str(value), safe="*").replace("~", "%7E")

    def urlFormEncode(self, value: Any) -> str | None:
        """Alias of ``url``."""
        return self.url(value)

    def uriEncode(self, value: Any) -> str | None:
        """Percent-encode a path segment (space becomes ``%20``)."""
        return None if value is None else urllib.parse.quote(str(value), safe="")


class MathTool:
    """``$math``: the few MathTool methods a template may need."""

    def add(self, a: Any, b: Any) -> float:
        return float(a) + float(b)

    def sub(self, a: Any, b: Any) -> float:
        return float(a) - float(b)

    def mul(self, a: Any, b: Any) -> float:
        return float(a) * float(b)

    def div(self, a: Any, b: Any) -> float | None:
        return None if float(b) == 0 else float(a) / float(b)

    def roundTo(self, places: Any, value: Any) -> float:
        return round(float(value), int(places))

    def toInteger(self, value: Any) -> int:
        return int(float(value))


class EncodingTool:
    """``$encoding``: base64 of a UTF-8 string."""

    def base64(self, value: Any) -> str:
        return base64.b64encode(str(value).encode("utf-8")).decode("ascii")


class SuccessTemplateUtils:
    """``$successTemplateUtils``: helpers over translation-map values (JSON text)."""

    def firstFromArray(self, array_json: Any, default: Any = None) -> str:
        """The first element of a JSON array as JSON text, else the default (or ``{}``)."""
        try:
            items = json.loads(str(array_json))
        except ValueError:
            items = []
        if isinstance(items, list) and items:
            return json.dumps(items[0])
        return "{}" if default is None else str(default)


class UrlTool:
    """``$urlTool``: optional query parameters."""

    def optionalQueryParam(self, name: Any, value: Any, first: Any = False) -> str:
        """``?name=value`` (or ``&``) when value is set, else nothing."""
        if value is None or str(value) == "":
            return ""
        sep = "?" if first else "&"
        return f"{sep}{urllib.parse.quote_plus(str(name))}={urllib.parse.quote_plus(str(value))}"


def tools() -> dict[str, Any]:
    """The tool objects Genesys puts in every template's context."""
    return {
        "esc": EscapeTool(),
        "math": MathTool(),
        "encoding": EncodingTool(),
        "successTemplateUtils": SuccessTemplateUtils(),
        "urlTool": UrlTool(),
    }


def java_values(value: Any) -> Any:
    """Convert JSON-decoded data so it renders as Genesys's Java engine would."""
    if isinstance(value, bool):
        return JavaBool(value)
    if isinstance(value, dict):
        return {k: java_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [java_values(v) for v in value]
    return value


def _evaluate_raw(self: Any, stream: Any, namespace: Any, loader: Any) -> None:
    """airspeed's FormalReference.evaluate_raw, recording unresolved non-silent references."""
    value = None
    if self.expression is not None:
        value = self.expression.calculate(namespace, loader)
    if value is None:
        if self.alternate is not None:
            value = self.alternate.calculate(namespace, loader)
        elif self.silent and self.expression is not None:
            value = ""
        else:
            value = self.my_text()
            found = _UNRESOLVED.get()
            if found is not None:
                found.append(value)
    stream.write(str(value))


# Installed once, at import: identical output to airspeed's, plus the unresolved-reference record.
airspeed.FormalReference.evaluate_raw = _evaluate_raw


@dataclass
class Rendered:
    """A rendered template and the formal references that had no value."""

    text: str
    unresolved: list[str]


def render_lenient(template: str, context: dict[str, Any]) -> Rendered:
    """Render a template; raises ``VelocityError`` only when it does not parse or run."""
    found: list[str] = []
    token = _UNRESOLVED.set(found)
    try:
        text = airspeed.Template(template).merge({**tools(), **context})
    except airspeed.TemplateError as exc:
        raise VelocityError(f"Velocity error: {exc}") from exc
    finally:
        _UNRESOLVED.reset(token)
    return Rendered(text, found)


def render(template: str, context: dict[str, Any], where: str = "template") -> str:
    """Render a template; raises ``VelocityError`` when a reference is left unresolved."""
    result = render_lenient(template, context)
    if result.unresolved:
        names = ", ".join(sorted(set(result.unresolved)))
        raise VelocityError(f"{where}: unresolved reference(s) {names} would be sent literally")
    return result.text
