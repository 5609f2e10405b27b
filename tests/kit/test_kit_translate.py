"""Translation map semantics: JSONPath, defaults only when missing, success template, contract."""

from __future__ import annotations

import json

import pytest

from service.kit.translate import TranslationError, resolve, success_output, translate

SCHEMA = {
    "type": "object",
    "properties": {"decision": {"type": "string"}, "percentage": {"type": "number"}},
    "required": ["decision", "percentage"],
}
RESPONSE = {
    "translationMap": {"decision": "$.decision", "percentage": "$.percentage"},
    "translationMapDefaults": {"decision": '"skipped"', "percentage": "0"},
    "successTemplate": '{"decision": ${decision}, "percentage": ${percentage}}',
}


def test_resolves_definite_and_indefinite_paths() -> None:
    body = {"a": {"b": 1}, "items": [{"id": "x"}, {"id": "y"}]}
    assert resolve(body, "$.a.b") == (True, 1)
    assert resolve(body, "$.a.c") == (False, None)
    assert resolve(body, "$.items[*].id") == (True, ["x", "y"])
    assert resolve(body, "$.items[0].id") == (True, "x")


def test_default_applies_only_when_the_path_is_missing() -> None:
    assert translate({}, {"d": "$.d"}, {"d": '"dflt"'}) == {"d": '"dflt"'}
    assert translate({"d": None}, {"d": "$.d"}, {"d": '"dflt"'}) == {"d": "null"}
    with pytest.raises(TranslationError, match="no default"):
        translate({}, {"d": "$.d"}, {})


def test_values_reach_the_template_as_json_text() -> None:
    raw = json.dumps({"decision": 'he said "no"\n', "percentage": 61.5})
    assert success_output(raw, RESPONSE, SCHEMA) == {
        "decision": 'he said "no"\n',
        "percentage": 61.5,
    }


def test_missing_properties_fall_back_to_defaults() -> None:
    assert success_output("{}", RESPONSE, SCHEMA) == {"decision": "skipped", "percentage": 0}


def test_null_is_not_defaulted_and_fails_the_contract() -> None:
    with pytest.raises(TranslationError, match="percentage"):
        success_output('{"decision": "coach", "percentage": null}', RESPONSE, SCHEMA)


def test_wrong_type_fails_the_contract() -> None:
    with pytest.raises(TranslationError, match="percentage"):
        success_output('{"decision": "coach", "percentage": "61"}', RESPONSE, SCHEMA)


def test_template_that_is_not_json_fails() -> None:
    broken = {**RESPONSE, "successTemplate": '{"decision": ${decision}, }'}
    with pytest.raises(TranslationError, match="JSON"):
        success_output('{"decision": "x", "percentage": 1}', broken, SCHEMA)


def test_unknown_template_variable_fails() -> None:
    broken = {**RESPONSE, "successTemplate": '{"decision": ${decison}, "percentage": 1}'}
    with pytest.raises(TranslationError, match="decison"):
        success_output('{"decision": "x", "percentage": 1}', broken, SCHEMA)


def test_raw_result_passes_the_body_through() -> None:
    out = success_output(
        '{"decision": "x", "percentage": 2}', {"successTemplate": "${rawResult}"}, SCHEMA
    )
    assert out["percentage"] == 2


def test_non_json_body_fails() -> None:
    with pytest.raises(TranslationError, match="not JSON"):
        success_output("<html>", RESPONSE, SCHEMA)
