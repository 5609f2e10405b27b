"""Check any exported data action offline: render its request with sample inputs, translate a
sample (or given) response, validate the output against its success schema.

This is what ``qmloop kit check --action FILE`` runs. Nothing is sent anywhere: the inputs come
from the input contract, the response from the success contract and the translation map's
paths (or from a file the admin saved from a real call).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.kit.translate import TAIL_FUNCTION, TranslationError, is_definite, success_output
from service.kit.velocity import VelocityError, java_values, render_lenient

# Velocity is case-sensitive and the help center documents ``input`` only; some published
# Genesys blueprints write ``$Input.x`` / ``${INPUT.x}``. The emulator renders them (so those
# exports can be checked) and ``case_warnings`` reports them.
INPUT_ALIASES = ("Input", "INPUT")
_MISCASED_INPUT = re.compile(r"\$!?\{?(Input|INPUT)\.([A-Za-z_]\w*)")
_CREDENTIAL = re.compile(r"credentials\.([A-Za-z_]\w*)")
_AUTH = re.compile(r"authResponse\.([A-Za-z_]\w*)")
_FILTER_EQ = re.compile(r"@\.([\w.\[\]]+)\s*==\s*['\"]([^'\"]*)['\"]")
_UNQUOTED_INPUT = re.compile(r'(?<!")\$!?\{?input\.([A-Za-z_]\w*)\}?(?!")')
# What an author who writes ${input.x} bare inside a JSON body passes in x: a JSON value,
# a member list, or a plain string.
_FRAGMENTS = ('"sample"', '"sampleKey": "sample"', "{}")
# A value a real caller sends sooner or later: it breaks a JSON body that does not escape it.
TRICKY = 'O\'Brien said "hi" \\ then\nleft'
_QUOTED_INPUT = re.compile(r'"[^"$]*\$!?\{?input\.([A-Za-z_]\w*)\}?[^"]*"')
_STEP = re.compile(r"\.\.?([A-Za-z_][\w-]*)|\[(\d+|\*)\]|\[\?\((.*?)\)\]|\['([^']+)'\]")


@dataclass
class ExportReport:
    """The outcome of checking one export: problems fail it, warnings do not."""

    name: str
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)
    request: dict[str, str] = field(default_factory=dict)
    response: str = ""
    output: dict[str, Any] = field(default_factory=dict)


def sample_value(schema: dict[str, Any], name: str = "value") -> Any:
    """A plausible value for a JSON Schema (its default, first enum value, or one by type)."""
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object":
        props = schema.get("properties") or {}
        return {k: sample_value(v, k) for k, v in props.items()}
    if kind == "array":
        return [sample_value(schema.get("items") or {"type": "string"}, name)]
    return {"integer": 1, "number": 1.5, "boolean": True, "null": None}.get(
        str(kind), f"sample-{name}"
    )


def sample_inputs(input_schema: dict[str, Any]) -> dict[str, Any]:
    """One value for every input property (required or not)."""
    props = input_schema.get("properties") or {}
    return {name: sample_value(schema, name) for name, schema in props.items()}


def case_warnings(template_texts: list[str]) -> list[str]:
    """``$Input.x`` / ``${INPUT.x}`` references: undocumented spellings of ``$input``."""
    found = sorted({f"{m[0]}.{m[1]}" for t in template_texts for m in _MISCASED_INPUT.findall(t)})
    return [
        f"${ref} is not the documented ${{input.{ref.split('.', 1)[1]}}}: Velocity is "
        "case-sensitive and Genesys documents only 'input'; write ${input.x}"
        for ref in found
    ]


def templates(doc: dict[str, Any]) -> list[str]:
    config = doc.get("config") or {}
    request = config.get("request") or {}
    response = config.get("response") or {}
    return [
        str(request.get("requestUrlTemplate", "")),
        str(request.get("requestTemplate", "")),
        *(str(v) for v in (request.get("headers") or {}).values()),
        str(response.get("successTemplate", "")),
    ]


def _context(doc: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    text = "\n".join(templates(doc))
    present = {k: v for k, v in inputs.items() if v is not None}
    values = {**java_values(present), "rawRequest": json.dumps(present)}
    context: dict[str, Any] = {"input": values, **dict.fromkeys(INPUT_ALIASES, values)}
    context["credentials"] = {n: f"sample-{n}" for n in _CREDENTIAL.findall(text)}
    context["authResponse"] = {n: f"sample-{n}" for n in _AUTH.findall(text)}
    return context


def render_request(doc: dict[str, Any], inputs: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The rendered URL, headers and body, and every problem rendering them."""
    request = (doc.get("config") or {}).get("request") or {}
    context = _context(doc, inputs)
    rendered: dict[str, str] = {}
    problems: list[str] = []
    parts = {
        "requestUrlTemplate": request.get("requestUrlTemplate", ""),
        "requestTemplate": request.get("requestTemplate", "${input.rawRequest}"),
        **{f"header {k}": v for k, v in (request.get("headers") or {}).items()},
    }
    for where, template in parts.items():
        try:
            result = render_lenient(str(template), context)
        except VelocityError as exc:
            problems.append(f"{where}: {exc}")
            continue
        rendered[where] = result.text
        problems += [
            f"{where}: {ref} has no value and would be sent literally"
            for ref in sorted(set(result.unresolved))
        ]
    problems += _body_problems(request, rendered.get("requestTemplate", ""))
    return rendered, problems


def _body_problems(request: dict[str, Any], body: str) -> list[str]:
    method = str(request.get("requestType", "GET")).upper()
    headers = {k.lower(): str(v) for k, v in (request.get("headers") or {}).items()}
    if method not in ("POST", "PUT", "PATCH"):
        return []
    looks_json = body.lstrip()[:1] in ("{", "[") or "json" in headers.get("content-type", "json")
    if not looks_json:
        return []
    try:
        json.loads(body)
    except ValueError as exc:
        return [f"requestTemplate did not render JSON: {exc}: {body[:200]}"]
    return []


def _set_path(body: Any, path: str, value: Any) -> Any:
    """``body`` with ``value`` placed where a simple JSONPath (names, indexes, ``[*]``,
    ``[?(@.k == 'v')]`` filters, deep scan) would find it."""
    steps = list(_STEP.finditer(path.removeprefix("$")))
    if not steps:
        return value
    step, rest = steps[0], path.removeprefix("$")[steps[0].end() :]
    name = step.group(1) or step.group(4)
    if name is not None:
        mapping: dict[str, Any] = body if isinstance(body, dict) else {}
        mapping[name] = _set_path(mapping.get(name), "$" + rest, value)
        return mapping
    node: list[Any] = body if isinstance(body, list) and body else [{}]
    element = node[0]
    for key, wanted in _FILTER_EQ.findall(step.group(3) or ""):
        element = _set_path(element if isinstance(element, dict) else {}, f"$.{key}", wanted)
    index = int(step.group(2)) if (step.group(2) or "*").isdigit() else 0
    node = node + [element] * (index + 1 - len(node))
    node[index] = _set_path(element, "$" + rest, value)
    return node


def sample_response(doc: dict[str, Any]) -> str:
    """A response body whose translation-map paths all resolve to values of the success
    schema's types (a property of the same name), built on a sample of the success schema."""
    schema = ((doc.get("contract") or {}).get("output") or {}).get("successSchema") or {}
    response = (doc.get("config") or {}).get("response") or {}
    body = sample_value(schema) if schema.get("type") in ("object", "array") else {}
    for name, path in (response.get("translationMap") or {}).items():
        tail = TAIL_FUNCTION.match(str(path))
        try:
            if tail:  # $.x.length(): give the function a one-element list to count
                body = _set_path(body, tail["path"], [f"sample-{name}"])
                continue
            body = _set_path(body, str(path), _leaf(doc, name, str(path)))
        except (TypeError, IndexError, ValueError):
            continue  # a path too intricate to synthesize: its default (if any) applies
    return json.dumps(body)


def _render_with_plausible_inputs(
    doc: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """Render with sample inputs; string inputs written bare into a JSON body are retried as
    the JSON fragments an author would pass there, keeping the first variant that renders."""
    schema = ((doc.get("contract") or {}).get("input") or {}).get("inputSchema") or {}
    inputs = sample_inputs(schema)
    rendered, problems = render_request(doc, inputs)
    body = str(((doc.get("config") or {}).get("request") or {}).get("requestTemplate", ""))
    props = schema.get("properties") or {}
    bare = [n for n in _UNQUOTED_INPUT.findall(body) if props.get(n, {}).get("type") == "string"]
    if not problems or not bare:
        return inputs, rendered, problems
    for fragment in _FRAGMENTS:
        variant = {**inputs, **dict.fromkeys(bare, fragment)}
        tried, tried_problems = render_request(doc, variant)
        if not tried_problems:
            return variant, tried, []
    return inputs, rendered, problems


def escaping_warnings(doc: dict[str, Any], inputs: dict[str, Any]) -> list[str]:
    """String inputs written inside a JSON string without ``$esc.jsonString``: rendering them
    with quotes, a backslash and a newline must still give a JSON body."""
    body = str(((doc.get("config") or {}).get("request") or {}).get("requestTemplate", ""))
    quoted = {n for n in _QUOTED_INPUT.findall(body) if isinstance(inputs.get(n), str)}
    warnings = []
    for name in sorted(quoted):
        _, problems = render_request(doc, {**inputs, name: TRICKY})
        if problems:
            warnings.append(
                f"input {name!r} is not escaped: a value with a quote, backslash or newline "
                "breaks the request body (write $esc.jsonString(${input." + name + "}))"
            )
    return warnings


def _leaf(doc: dict[str, Any], name: str, path: str) -> Any:
    """The value a translation-map path should find: the success-schema property of the same
    name (its items when the path matches a list), or the whole success schema when the
    template is just that name."""
    schema = ((doc.get("contract") or {}).get("output") or {}).get("successSchema") or {}
    template = str(((doc.get("config") or {}).get("response") or {}).get("successTemplate", ""))
    prop = (schema.get("properties") or {}).get(name)
    if prop is None:
        whole = template.strip() in (f"${{{name}}}", f"${name}", f"$!{{{name}}}")
        return sample_value(schema, name) if whole else f"sample-{name}"
    if prop.get("type") == "array" and not is_definite(path):
        return sample_value(prop.get("items") or {}, name)
    return sample_value(prop, name)


def check_export(path: Path, response_text: str | None = None) -> ExportReport:
    """Render, translate and validate one export; never raises for a fault of the export."""
    report = ExportReport(path.name)
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        report.problems.append(f"not a readable JSON file: {exc}")
        return report
    if not isinstance(doc, dict) or not isinstance(doc.get("config"), dict):
        report.problems.append("not a data action export (no 'config' object)")
        return report
    report.name = str(doc.get("name") or path.name)
    contract = doc.get("contract") or {}
    report.warnings += case_warnings(templates(doc))
    report.inputs, report.request, problems = _render_with_plausible_inputs(doc)
    report.problems += problems
    if not problems:
        report.warnings += escaping_warnings(doc, report.inputs)
    report.response = response_text if response_text is not None else sample_response(doc)
    schema = (contract.get("output") or {}).get("successSchema") or {"type": "object"}
    try:
        report.output = success_output(report.response, doc["config"].get("response") or {}, schema)
    except (TranslationError, VelocityError) as exc:
        report.problems.append(f"response: {exc}")
    return report
