"""A policy document as an HTML form and back: one field per key of the policy's own schema
(the pydantic model the REST API validates with), errors per field. No Flask, no database.

Scalars are text or number inputs, choices (``Literal``, ``bool``) are selects, lists are
comma-separated, nested values (sections, target options) are YAML. An empty field means
"not set": the value is inherited (the default policy, then the settings).
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ValidationError

from service.policies.rules import yaml_problem


@dataclass(frozen=True)
class FormField:
    """One input: ``kind`` is ``text``, ``number``, ``choice``, ``list`` or ``yaml``."""

    name: str
    label: str
    kind: str
    options: tuple[str, ...] = ()
    description: str = ""


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    is_union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    return args[0] if is_union and len(args) == 1 else annotation


def _kind(annotation: Any) -> tuple[str, tuple[str, ...]]:
    inner = _unwrap(annotation)
    origin = typing.get_origin(inner)
    if origin is Literal:
        return "choice", tuple(str(v) for v in typing.get_args(inner))
    if inner is bool:
        return "choice", ("true", "false")
    if inner in (int, float):
        return "number", ()
    if origin is list:
        return "list", ()
    if inner is str:
        return "text", ()
    return "yaml", ()


def fields_for(schema: type[BaseModel], key: str) -> list[FormField]:
    """The inputs of a policy schema, in the schema's order, without the key (form or queue id)."""
    out = []
    for name, info in schema.model_fields.items():
        if name == key:
            continue
        kind, options = _kind(info.annotation)
        label = name.replace("_", " ").capitalize()
        out.append(FormField(name, label, kind, options, info.description or ""))
    return out


def values_of(document: Mapping[str, Any] | None, fields: list[FormField]) -> dict[str, str]:
    """A stored document as the strings its inputs show ("" for a key not set)."""
    found = dict(document or {})
    out = {}
    for f in fields:
        value = found.get(f.name)
        if value is None or value == {} or value == []:
            out[f.name] = ""
        elif f.kind == "list":
            out[f.name] = ", ".join(str(v) for v in value)
        elif f.kind == "yaml":
            out[f.name] = yaml.safe_dump(value, sort_keys=False, allow_unicode=True).strip()
        elif isinstance(value, bool):
            out[f.name] = "true" if value else "false"
        else:
            out[f.name] = str(value)
    return out


def _parse_field(f: FormField, raw: str) -> Any:
    if f.kind == "list":
        return [part.strip() for part in re.split(r"[,\n]", raw) if part.strip()]
    if f.kind == "yaml":
        return yaml.safe_load(raw)
    return raw


def candidate(
    schema: type[BaseModel], key: str, key_value: str, form: Mapping[str, str]
) -> tuple[BaseModel | None, dict[str, str]]:
    """Validate submitted inputs with the policy schema: (document, {}) or (None, errors).

    Errors map an input's name to its message; problems of the whole document are under
    ``"_document"``. Unknown inputs are ignored (the form only has the schema's own).
    """
    fields = fields_for(schema, key)
    data: dict[str, Any] = {key: key_value}
    errors: dict[str, str] = {}
    for f in fields:
        raw = (form.get(f.name) or "").strip()
        if not raw:
            continue
        try:
            data[f.name] = _parse_field(f, raw)
        except yaml.YAMLError as exc:
            errors[f.name] = f"Not valid YAML: {yaml_problem(exc)}"
    if errors:
        return None, errors
    try:
        return schema.model_validate(data), {}
    except ValidationError as exc:
        return None, field_errors(exc, key)


def field_errors(exc: ValidationError, key: str) -> dict[str, str]:
    """Pydantic's errors by top-level field (the key's own errors under ``"_document"``)."""
    out: dict[str, list[str]] = {}
    for err in exc.errors(include_url=False, include_input=False):
        loc = [str(part) for part in err.get("loc", ())]
        name = loc[0] if loc and loc[0] != key else "_document"
        where = " › ".join(loc[1:])
        message = str(err.get("msg", "invalid"))
        out.setdefault(name, []).append(f"{where}: {message}" if where else message)
    return {name: "; ".join(messages) for name, messages in out.items()}
