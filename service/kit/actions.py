"""Load ``data_actions/*.json`` and check each file's shape before anything runs it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

# Terraform (and the emulator) replace this with the service's base URL; nothing else may name
# a host in a template, so one variable moves the whole integration.
BASE_URL_TOKEN = "{{qmloop_base_url}}"
CUSTOM_AUTH_FILE = Path("custom-auth") / "oauth-token.json"
# Example inputs live beside the actions (data_actions/examples/<slug>.json), never in a
# contract: Genesys validates contracts against its own JSON Schema document, which has no
# ``examples`` keyword, so a contract stays exactly what an export of the action holds.
EXAMPLES_DIR = "examples"
EXPORT_KEYS = ("name", "integrationType", "actionType", "config", "contract", "secure")
FLAT_TYPES = {"string", "number", "integer", "boolean"}
# Contracts are JSON Schema draft-04 documents without $ref (help center, "Add contracts to
# custom actions": "Contracts do not support the $ref keyword"); anything else, such as
# ``examples`` (a later draft's keyword), is not part of the document Genesys validates against.
CONTRACT_KEYWORDS = frozenset(jsonschema.Draft4Validator.META_SCHEMA["properties"]) - {"$ref"}

_INPUT_REF = re.compile(r"\$!?\{?input\.([A-Za-z_]\w*)")
_JSON_ESCAPED = re.compile(
    r"\$!?\{?esc\.json(?:String|Encode)\(\s*\$!?\{?input\.([A-Za-z_]\w*)\}?\s*\)\}?"
)
_URL_ESCAPED = re.compile(
    r"\$!?\{?(?:esc\.(?:url|urlFormEncode|uriEncode)|urlTool\.optionalQueryParam)\("
    r"[^)]*?\$!?\{?input\.([A-Za-z_]\w*)\}?[^)]*\)\}?"
)
_SILENT_TEST = re.compile(r'#if\(\s*"\$!\{?input\.([A-Za-z_]\w*)\}?"\s*!=\s*""\s*\)')
_HOST = re.compile(r"https?://", re.I)


@dataclass
class Action:
    """One data action file."""

    slug: str
    path: Path
    doc: dict[str, Any]
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def request(self) -> dict[str, Any]:
        return dict(self.doc.get("config", {}).get("request", {}))

    @property
    def response(self) -> dict[str, Any]:
        return dict(self.doc.get("config", {}).get("response", {}))

    @property
    def input_schema(self) -> dict[str, Any]:
        return dict(self.doc.get("contract", {}).get("input", {}).get("inputSchema", {}))

    @property
    def output_schema(self) -> dict[str, Any]:
        return dict(self.doc.get("contract", {}).get("output", {}).get("successSchema", {}))

    @property
    def timeout_seconds(self) -> float:
        return float(self.doc.get("config", {}).get("timeoutSeconds", 60))


def examples_path(path: Path) -> Path:
    """Where the example inputs of an action file live."""
    return path.parent / EXAMPLES_DIR / path.name


def load_action(path: Path) -> Action:
    """Read one action file and its examples; raises ``ValueError`` when either is not JSON
    of the right shape (an object; a list of objects)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict):
        raise ValueError(f"{path.name}: not a JSON object")
    examples: Any = []
    sidecar = examples_path(path)
    if sidecar.is_file():
        examples = json.loads(sidecar.read_text(encoding="utf-8"))
        if not isinstance(examples, list) or not all(isinstance(e, dict) for e in examples):
            raise ValueError(f"{EXAMPLES_DIR}/{path.name}: not a JSON list of objects")
    return Action(path.stem, path, doc, examples)


def action_paths(root: Path) -> list[Path]:
    """Every data action file of a checkout, sorted (the custom-auth action lives apart)."""
    return sorted((root / "data_actions").glob("*.json"))


def load_actions(root: Path) -> list[Action]:
    """Every data action of a checkout."""
    return [load_action(p) for p in action_paths(root)]


def load_custom_auth(root: Path) -> Action:
    """The custom-auth action used with the User Defined (OAuth) credential."""
    return load_action(root / "data_actions" / CUSTOM_AUTH_FILE)


def lint(action: Action) -> list[str]:
    """Every shape problem of an action file (empty when it is fine)."""
    problems = _export_shape(action)
    if problems:
        return problems
    problems += _contract_shape(action)
    problems += _response_shape(action)
    problems += _template_escaping(action)
    problems += _base_url(action)
    return problems


def lint_custom_auth(action: Action) -> list[str]:
    """Problems of the custom-auth action file (its contract belongs to Genesys)."""
    request = action.request
    problems = [
        f"config.request.{k} is missing"
        for k in ("requestUrlTemplate", "requestType")
        if not request.get(k)
    ]
    problems += [f"missing key {key!r}" for key in EXPORT_KEYS if key not in action.doc]
    if action.doc.get("actionType") != "customAuth":
        problems.append("actionType must be 'customAuth'")
    if action.input_schema or action.output_schema:
        problems.append("contract: Genesys owns the custom-auth contract; keep both schemas {}")
    if "successTemplate" not in action.response:
        problems.append("config.response.successTemplate is missing")
    return problems + _base_url(action)


def _export_shape(action: Action) -> list[str]:
    doc = action.doc
    problems = [f"missing key {key!r}" for key in EXPORT_KEYS if key not in doc]
    if doc.get("integrationType") != "custom-rest-actions":
        problems.append("integrationType must be 'custom-rest-actions'")
    if doc.get("actionType") != "custom":
        problems.append("actionType must be 'custom'")
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", action.slug):
        problems.append("file name must be a lower-case slug (it is the URL and Terraform key)")
    timeout = doc.get("config", {}).get("timeoutSeconds")
    if timeout is not None and not (isinstance(timeout, int) and 1 <= timeout <= 60):
        problems.append("config.timeoutSeconds must be an integer from 1 to 60")
    return problems


def _flat_props(schema: dict[str, Any], label: str) -> list[str]:
    problems = []
    if schema.get("type") != "object":
        problems.append(f"{label}: type must be 'object'")
    props = schema.get("properties") or {}
    for name, prop in props.items():
        kind = prop.get("type")
        items = prop.get("items", {}).get("type") if kind == "array" else None
        if kind not in FLAT_TYPES and items not in FLAT_TYPES:
            problems.append(f"{label}.{name}: type {kind!r} is not flat (primitives only)")
    for name in schema.get("required", []):
        if name not in props:
            problems.append(f"{label}: required {name!r} is not a property")
    return problems


def _contract_shape(action: Action) -> list[str]:
    problems = _flat_props(action.input_schema, "input")
    problems += _flat_props(action.output_schema, "output")
    out = action.output_schema
    if "required" not in out:
        problems.append("output: a 'required' list is mandatory (every key is always present)")
    elif set(out["required"]) != set(out.get("properties", {})):
        problems.append("output: every output property must be required")
    if not action.examples:
        problems.append(f"no example inputs in data_actions/{EXAMPLES_DIR}/{action.slug}.json")
    for label, schema in (("input", action.input_schema), ("output", action.output_schema)):
        problems += foreign_keywords(schema, label)
    return problems


def foreign_keywords(schema: Any, where: str) -> list[str]:
    """Keywords of a contract (recursively) that are not draft-04 keywords Genesys takes."""
    if not isinstance(schema, dict):
        return []
    problems = [
        f"{where}: {k!r} is not a Genesys contract keyword (move it out)"
        for k in sorted(set(schema) - CONTRACT_KEYWORDS)
    ]
    for name, sub in (schema.get("properties") or {}).items():
        problems += foreign_keywords(sub, f"{where}.{name}")
    return problems + foreign_keywords(schema.get("items"), f"{where}[]")


def _response_shape(action: Action) -> list[str]:
    response = action.response
    outputs = set(action.output_schema.get("properties", {}))
    mapped = set(response.get("translationMap") or {})
    defaults = response.get("translationMapDefaults") or {}
    problems = [f"output {n!r} has no translationMap entry" for n in sorted(outputs - mapped)]
    problems += [f"translationMap {n!r} has no default" for n in sorted(mapped - set(defaults))]
    for name, text in defaults.items():
        try:
            json.loads(text)
        except ValueError:
            problems.append(f"translationMapDefaults {name!r} is not JSON text (quote strings)")
    if not response.get("successTemplate"):
        problems.append("response: successTemplate is missing")
    return problems


def _template_escaping(action: Action) -> list[str]:
    props = action.input_schema.get("properties", {})
    strings = {n for n, p in props.items() if p.get("type") == "string"}
    request = action.request
    body = _JSON_ESCAPED.sub("", request.get("requestTemplate", ""))
    body = _SILENT_TEST.sub("", body)
    problems = [
        f"requestTemplate uses input.{n} without $esc.jsonString"
        for n in sorted(set(_INPUT_REF.findall(body)) & strings)
    ]
    url = _URL_ESCAPED.sub("", request.get("requestUrlTemplate", ""))
    problems += [
        f"requestUrlTemplate uses input.{n} without $esc.url" for n in _INPUT_REF.findall(url)
    ]
    unknown = set(_INPUT_REF.findall(request.get("requestTemplate", ""))) - set(props)
    problems += [f"requestTemplate uses input.{n}, not in the contract" for n in sorted(unknown)]
    return problems


def _base_url(action: Action) -> list[str]:
    url = action.request.get("requestUrlTemplate", "")
    problems = []
    if not url.startswith(BASE_URL_TOKEN + "/"):
        problems.append(f"requestUrlTemplate must start with {BASE_URL_TOKEN}/")
    templates = [url, action.request.get("requestTemplate", "")]
    templates += list((action.request.get("headers") or {}).values())
    if any(_HOST.search(t) for t in templates):
        problems.append("a request template names a host; use the base URL variable")
    return problems
