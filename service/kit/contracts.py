"""Hold each ``data_actions/<slug>.json`` contract equal to its endpoint's pydantic models.

The registry of endpoints is not a list kept here: it is every route the app declared with
``service.api.data_action`` (``service.api.ROUTES``), so a new action needs only its JSON file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from service.kit.actions import Action


@dataclass(frozen=True)
class Endpoint:
    """The pydantic side of one data action."""

    slug: str
    body: type[BaseModel]
    response: type[BaseModel]


def registry() -> dict[str, Endpoint]:
    """Every declared data-action route, by slug (imports every domain's views)."""
    from service import domain_modules
    from service.api import ROUTES

    domain_modules("views")
    found: dict[str, Endpoint] = {}
    for spec in ROUTES:
        if spec.data_action and spec.body is not None and spec.response is not None:
            slug = spec.path.rsplit("/", 1)[-1]
            found[slug] = Endpoint(slug, spec.body, spec.response)
    return found


def _flat_type(prop: dict[str, Any]) -> str | None:
    """The JSON type of a pydantic property, ``Optional`` unwrapped."""
    if "anyOf" in prop:
        kinds = [p for p in prop["anyOf"] if p.get("type") != "null"]
        prop = kinds[0] if len(kinds) == 1 else {}
    if "enum" in prop and "type" not in prop:
        return "string"
    if "const" in prop and "type" not in prop:
        return "string"
    kind = prop.get("type")
    return str(kind) if kind else None


def model_shape(model: type[BaseModel]) -> dict[str, Any]:
    """A model as {properties: {name: type}, required: set}, object-typed fields left out."""
    schema = model.model_json_schema()
    props = {}
    skipped = []
    for name, prop in schema.get("properties", {}).items():
        kind = _flat_type(prop)
        if kind == "object":
            skipped.append(name)  # Architect cannot pass a free-form object; see docs/deploy.md
            continue
        props[name] = kind
    required = {n for n in schema.get("required", []) if n in props}
    return {"properties": props, "required": required, "skipped": skipped}


def contract_shape(schema: dict[str, Any]) -> dict[str, Any]:
    """A contract schema in the same shape as ``model_shape``."""
    props = {n: p.get("type") for n, p in (schema.get("properties") or {}).items()}
    return {"properties": props, "required": set(schema.get("required", []))}


def compare(label: str, contract: dict[str, Any], model: type[BaseModel]) -> list[str]:
    """Differences between a contract schema and a model (empty when equal)."""
    want = model_shape(model)
    have = contract_shape(contract)
    problems = []
    for name in sorted(set(want["properties"]) - set(have["properties"])):
        problems.append(f"{label}: {name!r} is in {model.__name__} but not in the contract")
    for name in sorted(set(have["properties"]) - set(want["properties"])):
        problems.append(f"{label}: {name!r} is in the contract but not in {model.__name__}")
    for name in sorted(set(want["properties"]) & set(have["properties"])):
        if want["properties"][name] != have["properties"][name]:
            problems.append(
                f"{label}: {name!r} is {have['properties'][name]} in the contract, "
                f"{want['properties'][name]} in {model.__name__}"
            )
    if want["required"] != have["required"]:
        problems.append(
            f"{label}: required {sorted(have['required'])} in the contract, "
            f"{sorted(want['required'])} in {model.__name__}"
        )
    return problems


def check_contract(action: Action, endpoint: Endpoint) -> list[str]:
    """Every difference between an action file and its endpoint, examples included."""
    problems = compare("input", action.input_schema, endpoint.body)
    problems += compare("output", action.output_schema, endpoint.response)
    for index, example in enumerate(action.examples):
        try:
            endpoint.body.model_validate(example)
        except ValueError as exc:
            problems.append(f"example {index} is not a valid {endpoint.body.__name__}: {exc}")
    return problems
