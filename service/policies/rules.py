"""Pure rules of policy documents: YAML files in and out, and the line diff of two documents.

The three YAML files QM Loop loads (coaching policies, sentiment policies, calibration programs)
share one shape: a mapping with one list (``policies:`` or ``programs:``), or the bare list.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from service.errors import InvalidInput, validation_errors

M = TypeVar("M", bound=BaseModel)

# The actor of a revision whose author was erased (service/governance/deletion.py): the change
# stays, the person does not.
ERASED_ACTOR = "erased"


def load_yaml(text: str, *, what: str) -> Any:
    """The YAML document in ``text`` (``{}`` when empty).

    Raises ``InvalidInput`` (``bad_yaml``) with a one-line message naming ``what`` ("policies
    file"), the line and column (1-based) and PyYAML's problem.
    """
    try:
        return yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise InvalidInput(
            f"The {what} is not valid YAML: {yaml_problem(exc)}", code="bad_yaml"
        ) from exc


def yaml_problem(exc: yaml.YAMLError) -> str:
    """``line L, column C: problem`` of a PyYAML error, on one line."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
    if isinstance(exc, yaml.reader.ReaderError):
        return f"position {exc.position + 1}: unacceptable character #x{exc.character:04x}"
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + " ".join(str(problem).split())


def parse_yaml(text: str, schema: type[M], *, list_key: str, what: str, code: str) -> M:
    """Validate a YAML file of ``list_key`` entries (or the bare list) into ``schema``.

    ``what`` names the file in messages ("policies file"). Raises ``InvalidInput``: ``bad_yaml``
    when it is not YAML, ``code`` with every field error when the schema refuses it.
    """
    data = load_yaml(text, what=what)
    if isinstance(data, list):
        data = {list_key: data}
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            f"The {what} is invalid.", code=code, errors=validation_errors(exc)
        ) from exc


def dump_yaml(list_key: str, documents: Sequence[dict[str, Any]]) -> str:
    """Documents as the YAML file ``parse_yaml`` reads back (keys in their stored order)."""
    return yaml.safe_dump({list_key: list(documents)}, sort_keys=False, allow_unicode=True)


def document_yaml(document: dict[str, Any] | None) -> str:
    """One document as YAML lines for reading and diffing ("" for none)."""
    if not document:
        return ""
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff: ``op`` is ``added``, ``removed`` or ``same``; line numbers are
    1-based in the old and new text (None on the side the line is not in)."""

    op: str
    old: int | None
    new: int | None
    text: str


def diff_lines(before: str, after: str) -> list[DiffLine]:
    """Every line of ``before`` and ``after`` in order, marked added, removed or same
    (``difflib.SequenceMatcher`` opcodes; a replaced block is its removed lines, then its added)."""
    old, new = before.splitlines(), after.splitlines()
    out: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += [
                DiffLine("same", i + 1, j + 1, old[i])
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        out += [DiffLine("removed", i + 1, None, old[i]) for i in range(i1, i2)]
        out += [DiffLine("added", None, j + 1, new[j]) for j in range(j1, j2)]
    return out


def changed(lines: Sequence[DiffLine]) -> bool:
    """True when a diff has any added or removed line."""
    return any(line.op != "same" for line in lines)
