"""The Velocity engine behaves like Genesys's: escaping tools, silent notation, Java rendering."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.kit.emulator import Credential, Emulator
from service.kit.velocity import VelocityError, java_values, render, render_lenient
from tests.kit.kit_helpers import SLUGS, action

TRICKY = 'O\'Brien "QA" \\ back\nslash — Zoë 日本語 😀\t'


def test_json_string_escapes_quotes_newlines_and_backslashes() -> None:
    text = render('{"v": "$esc.jsonString(${input.v})"}', {"input": {"v": TRICKY}})
    assert json.loads(text) == {"v": TRICKY}


def test_unescaped_string_breaks_the_body() -> None:
    text = render('{"v": "${input.v}"}', {"input": {"v": TRICKY}})
    with pytest.raises(ValueError):
        json.loads(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("a b", "a+b"), ("x/y?z=1&w", "x%2Fy%3Fz%3D1%26w"), ("Zoë", "Zo%C3%AB"), ("~*", "%7E*")],
)
def test_esc_url_form_encodes_like_java(value: str, expected: str) -> None:
    assert render("$esc.url(${input.v})", {"input": {"v": value}}) == expected


def test_silent_notation_renders_empty_and_formal_notation_is_reported() -> None:
    assert render("[$!{input.missing}]", {"input": {}}) == "[]"
    lenient = render_lenient("[${input.missing}]", {"input": {}})
    assert lenient.text == "[${input.missing}]"
    assert lenient.unresolved == ["${input.missing}"]
    with pytest.raises(VelocityError, match="input.missing"):
        render("[${input.missing}]", {"input": {}})


def test_escaping_a_missing_value_is_reported_unless_silent() -> None:
    with pytest.raises(VelocityError):
        render('"$esc.jsonString(${input.gone})"', {"input": {}})
    assert render('"$!esc.jsonString($!{input.gone})"', {"input": {}}) == '""'


@pytest.mark.parametrize(
    ("value", "present"), [(0, True), (0.0, True), (12.5, True), (None, False)]
)
def test_optional_number_guard_keeps_zero(value: object, present: bool) -> None:
    ctx = {"input": {} if value is None else {"n": value}}
    text = render('{"a": 1#if("$!{input.n}" != ""), "n": ${input.n}#end}', ctx)
    assert ("n" in json.loads(text)) is present


def test_booleans_render_like_java() -> None:
    assert render("${input.b}/${input.c}", {"input": java_values({"b": True, "c": False})}) == (
        "true/false"
    )


def test_encoding_base64_and_auth_response() -> None:
    text = render(
        'Basic $encoding.base64("${credentials.id}:${credentials.secret}")',
        {"credentials": {"id": "me", "secret": "pw"}},
    )
    assert text == "Basic bWU6cHc="


def test_syntax_error_is_a_velocity_error() -> None:
    with pytest.raises(VelocityError):
        render("#if($input.x", {"input": {}})


def test_url_tool_and_first_from_array() -> None:
    assert render(
        '$urlTool.optionalQueryParam("q", $!{input.q}, true)', {"input": {"q": "a b"}}
    ) == ("?q=a+b")
    assert render('$urlTool.optionalQueryParam("q", $!{input.q}, true)', {"input": {}}) == ""
    assert render("$successTemplateUtils.firstFromArray(${ids})", {"ids": '["x", "y"]'}) == '"x"'


# Every action's request template, for any text in every string input, renders JSON that
# carries the text unchanged (Velocity does not re-evaluate values, so "${x}" in data is safe).
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@pytest.mark.parametrize("slug", SLUGS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_string_input_round_trips_through_the_request_template(slug: str, data) -> None:  # type: ignore[no-untyped-def]
    act = action(slug)
    inputs = dict(act.examples[0])
    for name, prop in act.input_schema["properties"].items():
        if prop["type"] == "string":
            inputs[name] = data.draw(_TEXT | st.sampled_from(["${input.x}", "#end", '"\\', "$!"]))
    body = Emulator("http://qm.test", Credential.basic("u", "p")).prepare(act, inputs)["body"]
    sent = json.loads(body)
    for name, value in inputs.items():
        assert sent[name] == value
