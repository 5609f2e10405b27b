"""Velocity rendering the way Genesys data actions do it: airspeed plus the Genesys macro tools.

Genesys renders ``requestUrlTemplate``, ``headers``, ``requestTemplate`` and ``successTemplate``
with Apache Velocity and a fixed set of tools (``$esc``, ``$math``, ``$encoding``,
``$successTemplateUtils``, ``$urlTool``, ``$dateTool``; help center, "Velocity macros for data
actions", https://help.mypurecloud.com/articles/velocity-macros-data-actions/). Velocity writes
an unresolved formal reference (``${input.x}`` with no value) back as its own text; Genesys
would then send that text, so ``render`` reports every such reference instead of letting it
through silently.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import re
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

    def jsonEncode(self, value: Any) -> str | None:
        """The help center's newer name for ``jsonString``."""
        return self.jsonString(value)

    def jsonDecode(self, value: Any) -> str | None:
        """Undo ``jsonEncode``: the text of a JSON string literal without its quotes."""
        if value is None:
            return None
        try:
            decoded = json.loads(f'"{value}"')
        except ValueError:
            return str(value)
        return str(decoded)

    def java(self, value: Any) -> str | None:
        """EscapeTool.java: backslash escapes for a Java string literal (quotes not included)."""
        return self.jsonString(value)

    def javascript(self, value: Any) -> str | None:
        """EscapeTool.javascript: also escapes single quotes and ``/``."""
        text = self.jsonString(value)
        return None if text is None else text.replace("'", "\\'").replace("/", "\\/")

    def html(self, value: Any) -> str | None:
        """EscapeTool.html: ``& < > "`` as entities."""
        return (
            None if value is None else html.escape(str(value), quote=False).replace('"', "&quot;")
        )

    def xml(self, value: Any) -> str | None:
        """EscapeTool.xml: ``& < > " '`` as XML entities."""
        return None if value is None else html.escape(str(value)).replace("&#x27;", "&apos;")

    def quote(self, value: Any) -> str | None:
        """EscapeTool.quote: the value wrapped in double quotes, nothing escaped."""
        return None if value is None else f'"{value}"'

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


def _number(value: Any) -> int | float:
    """A number as Java's MathTool reads it: integral text stays an integer."""
    if isinstance(value, bool):
        raise VelocityError(f"$math: {value!r} is not a number")
    if isinstance(value, int | float):
        return value
    text = str(value).strip()
    try:
        return int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
    except ValueError as exc:
        raise VelocityError(f"$math: {value!r} is not a number") from exc


def _match_type(result: float, *args: int | float) -> int | float:
    """MathTool's ``matchType``: an integer when every argument is one and the result is whole
    (``$math.add(1,2)`` renders ``3``, ``$math.div(7,2)`` ``3.5``, ``$math.add(1.0,2)`` ``3.0``)."""
    if all(isinstance(a, int) for a in args) and float(result).is_integer():
        return int(result)
    return float(result)


class MathTool:
    """``$math``: Velocity's MathTool, with its integer/decimal result types."""

    def add(self, a: Any, b: Any) -> int | float:
        x, y = _number(a), _number(b)
        return _match_type(x + y, x, y)

    def sub(self, a: Any, b: Any) -> int | float:
        x, y = _number(a), _number(b)
        return _match_type(x - y, x, y)

    def mul(self, a: Any, b: Any) -> int | float:
        x, y = _number(a), _number(b)
        return _match_type(x * y, x, y)

    def div(self, a: Any, b: Any) -> int | float | None:
        x, y = _number(a), _number(b)
        return None if y == 0 else _match_type(x / y, x, y)

    def max(self, a: Any, b: Any) -> int | float:
        return max(_number(a), _number(b))

    def min(self, a: Any, b: Any) -> int | float:
        return min(_number(a), _number(b))

    def roundTo(self, places: Any, value: Any) -> float:
        return round(float(_number(value)), int(_number(places)))

    def toInteger(self, value: Any) -> int:
        return int(_number(value))


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

    def moveKeysIntoArrayOfObjects(self, object_json: Any, key_name: Any = "key") -> str:
        """A JSON object's entries as a JSON array of objects, each key moved into its object
        under ``key_name`` (a non-object value goes under ``value``); ``[]`` for anything else."""
        try:
            data = json.loads(str(object_json))
        except ValueError:
            return "[]"
        if not isinstance(data, dict):
            return "[]"
        items = [
            {key_name: k, **v} if isinstance(v, dict) else {key_name: k, "value": v}
            for k, v in data.items()
        ]
        return json.dumps(items, ensure_ascii=False)


# Java SimpleDateFormat letters -> strftime, longest first.
_JAVA_DATE = [
    ("yyyy", "%Y"),
    ("yy", "%y"),
    ("MM", "%m"),
    ("dd", "%d"),
    ("HH", "%H"),
    ("mm", "%M"),
    ("ss", "%S"),
    ("SSS", "%f"),
    ("XXX", "%:z"),
    ("Z", "%z"),
    ("EEE", "%a"),
]


def _strftime(moment: dt.datetime, java_format: str) -> str:
    parts = re.split(r"('[^']*')", java_format)
    out = []
    for part in parts:
        if part.startswith("'") and part.endswith("'"):
            out.append(part[1:-1])
            continue
        for java, py in _JAVA_DATE:
            part = part.replace(java, py)
        text = moment.strftime(part)
        out.append(text)
    text = "".join(out)
    # %f is microseconds; SimpleDateFormat's SSS is milliseconds.
    return re.sub(r"(\d{3})\d{3}", r"\1", text, count=1) if "SSS" in java_format else text


class DateTool:
    """``$dateTool``: Velocity's DateTool over UTC (Genesys runs in UTC)."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        self._now = now

    def now(self) -> dt.datetime:
        return self._now or dt.datetime.now(dt.UTC)

    def get(self, java_format: Any = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'") -> str:
        """The current time in a Java date format."""
        return _strftime(self.now(), str(java_format))

    def format(self, java_format: Any, value: Any) -> str | None:
        """Format an ISO-8601 date-time (or epoch milliseconds) in a Java date format."""
        moment = _parse_moment(value)
        return None if moment is None else _strftime(moment, str(java_format))

    def getSystemTime(self) -> int:
        """Epoch milliseconds."""
        return int(self.now().timestamp() * 1000)

    def toString(self) -> str:
        return self.get()

    def __str__(self) -> str:
        return self.get()


def _parse_moment(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class UrlTool:
    """``$urlTool``: optional query parameters."""

    def optionalQueryParam(self, name: Any, value: Any, first: Any = False) -> str:
        """``?name=value`` (or ``&``) when value is set, else nothing."""
        if value is None or str(value) == "":
            return ""
        sep = "?" if first else "&"
        return f"{sep}{urllib.parse.quote_plus(str(name))}={urllib.parse.quote_plus(str(value))}"


class SalesforceTool:
    """``$salesforce`` (Salesforce data actions): escape SOSL/SOQL reserved characters."""

    _RESERVED = re.compile(r"""([?&|!{}\[\]()^~*:\\"'+-])""")

    def escReserved(self, value: Any) -> str | None:
        """Backslash before every reserved character of a Salesforce search."""
        return None if value is None else self._RESERVED.sub(r"\\\1", str(value))


def tools() -> dict[str, Any]:
    """The tool objects Genesys puts in every template's context."""
    return {
        "esc": EscapeTool(),
        "math": MathTool(),
        "encoding": EncodingTool(),
        "successTemplateUtils": SuccessTemplateUtils(),
        "urlTool": UrlTool(),
        "dateTool": DateTool(),
        "salesforce": SalesforceTool(),
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
