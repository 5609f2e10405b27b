"""Pure rules of policy documents: the shared YAML file shape and the line diff."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, Field

from service.errors import InvalidInput
from service.policies import rules
from service.policies.rules import DiffLine


class Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str
    n: int = Field(default=0, ge=0, le=10)


class File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[Doc]


def _parse(text: str) -> File:
    return rules.parse_yaml(text, File, list_key="items", what="items file", code="invalid_items")


def test_a_mapping_or_a_bare_list():
    assert _parse("items: [{key: a, n: 1}]").items == [Doc(key="a", n=1)]
    assert _parse("- {key: b}").items == [Doc(key="b")]


@pytest.mark.parametrize(
    ("text", "code", "field"),
    [
        ("items: [unclosed", "bad_yaml", None),
        ("items: [{key: a, n: 11}]", "invalid_items", "items.0.n"),
        ("items: [{key: a, m: 1}]", "invalid_items", "items.0.m"),
        ("", "invalid_items", "items"),
    ],
)
def test_problems_name_the_file_and_the_field(text, code, field):
    with pytest.raises(InvalidInput) as exc:
        _parse(text)
    assert exc.value.code == code
    assert "items file" in exc.value.detail
    if field:
        assert field in [e["field"] for e in exc.value.errors]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("items: [\n", "line 2, column 1: expected the node content"),
        ("a: b: c\n", "line 1, column 5: mapping values are not allowed here"),
        ("a: \x01\n", "position 4: unacceptable character #x0001"),
    ],
)
def test_bad_yaml_is_one_line_with_its_place(text, where):
    with pytest.raises(InvalidInput) as exc:
        _parse(text)
    assert exc.value.detail.startswith(f"The items file is not valid YAML: {where}")
    assert "\n" not in exc.value.detail


def test_dump_reads_back_in_stored_order():
    text = rules.dump_yaml("items", [{"key": "z", "n": 2}, {"key": "a"}])
    assert text.index("key: z") < text.index("key: a")
    assert _parse(text).items == [Doc(key="z", n=2), Doc(key="a")]


def test_document_yaml_keeps_key_order_and_empty_is_blank():
    assert rules.document_yaml({"b": 1, "a": 2}) == "b: 1\na: 2\n"
    assert rules.document_yaml(None) == "" and rules.document_yaml({}) == ""


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("", "", []),
        ("a: 1\n", "a: 1\n", [DiffLine("same", 1, 1, "a: 1")]),
        ("", "a: 1\n", [DiffLine("added", None, 1, "a: 1")]),
        ("a: 1\n", "", [DiffLine("removed", 1, None, "a: 1")]),
        (
            "a: 1\nb: 2\nc: 3\n",
            "a: 1\nb: 5\nc: 3\nd: 4\n",
            [
                DiffLine("same", 1, 1, "a: 1"),
                DiffLine("removed", 2, None, "b: 2"),
                DiffLine("added", None, 2, "b: 5"),
                DiffLine("same", 3, 3, "c: 3"),
                DiffLine("added", None, 4, "d: 4"),
            ],
        ),
    ],
)
def test_diff_lines(before, after, expected):
    lines = rules.diff_lines(before, after)
    assert lines == expected
    assert rules.changed(lines) is any(line.op != "same" for line in expected)
