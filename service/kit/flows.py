"""Check Archy workflow YAML against the Archy shape, the data action files and Terraform.

Archy itself cannot run here, so this holds each workflow to what Archy and Architect need
(a start state that exists, declared variables, every ``callData`` with success, failure and
timeout) and to what this kit needs (every action and field it names exists in
``data_actions/``, every ``{{placeholder}}`` is a Terraform substitution and nothing is left
over, no thresholds or module ids in a flow).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from service.kit.actions import Action

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_BAD_PLACEHOLDER = re.compile(r"\{\{(\s+[^{}]*|[^{}]*\s+)\}\}")
_VARIABLE = re.compile(r"\b((?:Flow|State|Task)\.[A-Za-z_]\w*)")
_STATE_REF = re.compile(r"^/workflow/states/state\[(.+)\]$")
_NUMERIC_THRESHOLD = re.compile(r"(?i)(percent|score|threshold)\w*\s*(<|>|<=|>=|==)\s*\d")
WORKFLOW_KEYS = (
    "name",
    "division",
    "startUpRef",
    "defaultLanguage",
    "supportedLanguages",
    "variables",
    "settingsErrorHandling",
    "states",
)
ACTION_TYPES = {
    "updateData",
    "callData",
    "decision",
    "wait",
    "endWorkflow",
    "changeState",
    "loop",
    "exitLoop",
    "switch",
    "getConversationData",
    "setConversationData",
    "callTask",
    "endTask",
    "findUser",
    "getJsonObjectProperty",
    "sendNotification",
    "transferToAcd",
}
# What a Web Services data action returns on its failure path (Architect's fixed set).
FAILURE_OUTPUTS = {
    "errorCode",
    "status",
    "correlationId",
    "entityId",
    "entityName",
    "userMessage",
    "userParamsMessage",
    "userParams.key",
    "userParams.value",
    "details.errorCode",
    "details.fieldName",
    "details.entityId",
    "details.entityName",
}
NO_LITERAL_INPUTS = re.compile(r"(?i)threshold|moduleid")


def placeholders(text: str) -> set[str]:
    """Every ``{{key}}`` in a text."""
    return {m.group(1) for m in PLACEHOLDER.finditer(text)}


def substitute(text: str, values: dict[str, str]) -> str:
    """Replace ``{{key}}`` the way the provider does: plain text, before upload."""
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def check_flow(
    path: Path,
    substitutions: dict[str, str],
    actions: dict[str, Action],
    category: str | None = None,
) -> list[str]:
    """Every problem of one workflow file; ``substitutions`` maps key -> action slug or text,
    ``category`` is the Terraform expression the actions' category is set from."""
    text = path.read_text(encoding="utf-8")
    problems = [f"placeholder {m.group(0)!r} has spaces" for m in _BAD_PLACEHOLDER.finditer(text)]
    used = placeholders(text)
    problems += [
        f"{{{{{k}}}}} is not in the Terraform substitutions"
        for k in sorted(used - set(substitutions))
    ]
    problems += [
        f"substitution {k!r} is never used in the flow" for k in sorted(set(substitutions) - used)
    ]
    try:
        yaml.safe_load(text)
        doc = yaml.safe_load(substitute(text, {k: f"SUB_{k}" for k in used}))
    except yaml.YAMLError as exc:
        return problems + [f"not valid YAML: {exc}"]
    if not isinstance(doc, dict) or set(doc) != {"workflow"}:
        return problems + ["top level must be a single 'workflow' mapping"]
    flow = doc["workflow"]
    problems += _shape(flow)
    if not problems:
        problems += _variables(flow)
        lookup = {f"SUB_{k}": v for k, v in substitutions.items()}
        for call in _actions_of_type(flow, "callData"):
            problems += _call_data(call, lookup, actions, category)
        problems += _no_policy_literals(flow)
    return problems


def _shape(flow: Any) -> list[str]:
    if not isinstance(flow, dict):
        return ["'workflow' must be a mapping"]
    problems = [f"workflow.{k} is missing" for k in WORKFLOW_KEYS if k not in flow]
    if problems:
        return problems
    states = [s.get("state", {}) for s in flow["states"] or []]
    refs = [s.get("refId") for s in states]
    if len(set(refs)) != len(refs) or None in refs:
        problems.append("every state needs a unique refId")
    names = [s.get("name") for s in states]
    if len(set(names)) != len(names):
        problems.append("state names must be unique")
    for where in [
        flow["startUpRef"],
        *(c.get("state", "") for c in _actions_of_type(flow, "changeState")),
    ]:
        match = _STATE_REF.match(str(where))
        if not match or match.group(1) not in refs:
            problems.append(f"{where!r} does not name a state refId")
    for action in _all_actions(flow):
        if not isinstance(action, dict) or len(action) != 1:
            problems.append(f"an action must be a one-key mapping: {action!r}"[:120])
        elif next(iter(action)) not in ACTION_TYPES:
            problems.append(f"unknown action type {next(iter(action))!r}")
    return problems


def _all_actions(node: Any) -> Iterator[Any]:
    """Every action in a workflow, nested branches included."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "actions" and isinstance(value, list):
                yield from value
            yield from _all_actions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _all_actions(item)


def _actions_of_type(flow: Any, kind: str) -> list[dict[str, Any]]:
    return [a[kind] for a in _all_actions(flow) if isinstance(a, dict) and kind in a]


def _declared(flow: dict[str, Any]) -> dict[str, bool]:
    """Declared variable name -> is an input."""
    found = {}
    blocks = list(flow.get("variables") or [])
    for state in flow.get("states") or []:
        blocks += state.get("state", {}).get("variables") or []
    for block in blocks:
        for spec in block.values():
            found[spec["name"]] = bool(spec.get("isInput"))
    return found


def _references(node: Any) -> set[str]:
    """Every variable named in an expression or a ``var:`` binding."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("exp", "var", "variable") and isinstance(value, str):
                found |= set(_VARIABLE.findall(value))
            else:
                found |= _references(value)
    elif isinstance(node, list):
        for item in node:
            found |= _references(item)
    return found


def _variables(flow: dict[str, Any]) -> list[str]:
    declared = _declared(flow)
    used = _references(flow["states"])
    problems = [f"{v} is used but not declared" for v in sorted(used - set(declared))]
    problems += [f"{v} is declared but never used" for v in sorted(set(declared) - used)]
    return problems


def _call_data(
    call: dict[str, Any], lookup: dict[str, str], actions: dict[str, Action], category: str | None
) -> list[str]:
    label = f"callData {call.get('name')!r}"
    outputs = call.get("outputs") or {}
    problems = [
        f"{label}: no {p} branch"
        for p in ("success", "failure", "timeout")
        if not isinstance(outputs.get(p), dict) or "actions" not in outputs[p]
    ]
    if "timeout" not in call:
        problems.append(f"{label}: no timeout")
    try:
        ((category_key, body),) = call["category"].items()
        ((action_key, spec),) = body["dataAction"].items()
    except (AttributeError, KeyError, TypeError, ValueError):
        return problems + [f"{label}: category/dataAction must name exactly one action"]
    if category is not None and lookup.get(category_key) != category:
        problems.append(f"{label}: category must be the substitution set to {category}")
    slug = lookup.get(action_key, "")
    if slug not in actions:
        return problems + [f"{label}: {action_key} does not name a data action file"]
    return problems + _bindings(label, spec or {}, actions[slug])


def _bindings(label: str, spec: dict[str, Any], action: Action) -> list[str]:
    inputs = spec.get("inputs") or {}
    in_props = action.input_schema.get("properties", {})
    problems = [
        f"{label}: input {n!r} is not in {action.slug}'s contract"
        for n in inputs
        if n not in in_props
    ]
    for name in action.input_schema.get("required", []):
        if name not in inputs or "noValue" in (inputs[name] or {}):
            problems.append(f"{label}: required input {name!r} is not supplied")
    out_props = action.output_schema.get("properties", {})
    problems += [
        f"{label}: success output {n!r} is not in {action.slug}'s contract"
        for n in spec.get("successOutputs") or {}
        if n not in out_props
    ]
    problems += [
        f"{label}: {n!r} is not a data action failure output"
        for n in spec.get("failureOutputs") or {}
        if n not in FAILURE_OUTPUTS
    ]
    return problems


def _no_policy_literals(flow: dict[str, Any]) -> list[str]:
    problems = []
    for call in _actions_of_type(flow, "callData"):
        for body in (call.get("category") or {}).values():
            for spec in (body.get("dataAction") or {}).values():
                for name, value in (spec.get("inputs") or {}).items():
                    if NO_LITERAL_INPUTS.search(name) and "lit" in (value or {}):
                        problems.append(f"input {name!r} is a literal; policy lives in QM Loop")
    for decision in _actions_of_type(flow, "decision"):
        exp = str((decision.get("condition") or {}).get("exp", ""))
        if _NUMERIC_THRESHOLD.search(exp):
            problems.append(f"decision {decision.get('name')!r} compares a score with a number")
    return problems


def check_event_input(path: Path) -> list[str]:
    """A workflow started by the Json trigger declares ``Flow.jsonData`` as a JSON input."""
    try:
        flow = yaml.safe_load(path.read_text(encoding="utf-8"))["workflow"]
        blocks = flow.get("variables") or []
    except (yaml.YAMLError, KeyError, TypeError, AttributeError):
        return []  # check_flow reports the shape problem
    for block in blocks:
        spec = block.get("jsonVariable") if isinstance(block, dict) else None
        if spec and spec.get("name") == "Flow.jsonData" and spec.get("isInput") is True:
            return []
    return ["started by the Json trigger: declare Flow.jsonData as a jsonVariable input"]
