"""Issue 11: the emulator on real exported data actions, and each construct they use."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.kit.actions import lint
from service.kit.check import WARN, check_actions, export_results
from service.kit.cli import kit
from service.kit.exports import case_warnings, check_export, sample_response
from service.kit.translate import TranslationError, resolve, success_output, translate
from service.kit.velocity import DateTool, render
from tests.kit.kit_helpers import ROOT, action

CORPUS = Path(__file__).parent / "exports"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text())
EXPORTS = sorted(p for p in CORPUS.rglob("*.json") if p.name != "manifest.json")


# --- the corpus ---------------------------------------------------------------------------


def test_every_export_has_its_source_and_licence_recorded() -> None:
    recorded = {entry["file"]: entry for entry in MANIFEST}
    assert {str(p.relative_to(CORPUS)) for p in EXPORTS} == set(recorded)
    for entry in MANIFEST:
        assert entry["repository"].startswith("GenesysCloudBlueprints/")
        assert entry["licence"] == "MIT" and len(entry["commit"]) == 40 and entry["path"]
    assert len(EXPORTS) >= 15 and len({e["repository"] for e in MANIFEST}) == 8


@pytest.mark.parametrize("path", EXPORTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_real_export_renders_and_translates(path: Path) -> None:
    report = check_export(path)
    assert report.problems == [], report.problems
    assert report.request["requestUrlTemplate"]
    assert isinstance(report.output, dict | list)


def test_the_corpus_uses_the_constructs_the_issue_names() -> None:
    text = "\n".join(p.read_text() for p in EXPORTS)
    for construct in (
        "esc.quote",
        "esc.jsonEncode",
        "firstFromArray",
        "$Input.",
        "${INPUT.",
        "..",
        "?(@",
    ):
        assert construct in text, construct


def test_a_saved_response_is_translated_instead_of_a_generated_one() -> None:
    path = CORPUS / "negative-sentiment-callback" / "Get-Sentiment.json"
    generated = check_export(path)
    given = check_export(path, response_text=sample_response(json.loads(path.read_text())))
    assert given.output == generated.output
    broken = check_export(path, response_text="<html>gateway error</html>")
    assert any("not JSON" in p for p in broken.problems)


def test_the_sample_response_feeds_a_length_function(tmp_path: Path) -> None:
    doc = json.loads((CORPUS / "ani-blacklist" / "Disconnect-Interaction.json").read_text())
    doc["config"]["response"] = {
        "translationMap": {"count": "$.entities.size()", "first": "$.entities[0].id"},
        "translationMapDefaults": {},
        "successTemplate": '{"count": ${count}, "first": ${first}}',
    }
    doc["contract"]["output"]["successSchema"] = {
        "type": "object",
        "properties": {"count": {"type": "integer"}, "first": {"type": "string"}},
    }
    path = tmp_path / "count.json"
    path.write_text(json.dumps(doc))
    report = check_export(path)
    assert report.problems == [] and report.output == {"count": 1, "first": "sample-first"}


def test_a_broken_export_is_reported(tmp_path: Path) -> None:
    doc = json.loads((CORPUS / "ani-blacklist" / "Disconnect-Interaction.json").read_text())
    doc["config"]["request"]["requestType"] = "POST"
    doc["config"]["request"]["requestTemplate"] = '{"id": ${input.nope}}'
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(doc))
    problems = check_export(path).problems
    assert any("${input.nope} has no value" in p for p in problems)
    assert check_export(tmp_path / "missing.json").problems
    (tmp_path / "list.json").write_text("[]")
    assert check_export(tmp_path / "list.json").problems == [
        "not a data action export (no 'config' object)"
    ]


def test_kit_check_action_accepts_any_export_and_exits_by_result(tmp_path: Path) -> None:
    good = CORPUS / "switch-voice-to-web-messaging" / "Send-Agentless-Outbound-Message.custom.json"
    result = CliRunner().invoke(kit, ["check", "--action", str(good)], color=False)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("PASS  export Send-Agentless-Outbound-Message")
    doc = json.loads(good.read_text())
    doc["contract"]["output"]["successSchema"] = {"type": "string"}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    result = CliRunner().invoke(kit, ["check", "--action", str(bad)], color=False)
    assert result.exit_code == 1 and "FAIL  export bad.json" in result.output
    response = tmp_path / "response.json"
    response.write_text("not json")
    args = ["check", "--action", str(good), "--response", str(response)]
    result = CliRunner().invoke(kit, args, color=False)
    assert result.exit_code == 1 and "given response" in result.output


def test_verbose_shows_the_rendered_request_and_the_output() -> None:
    path = CORPUS / "negative-sentiment-callback" / "Get-Sentiment.json"
    result = CliRunner().invoke(kit, ["check", "-v", "--action", str(path)], color=False)
    assert result.exit_code == 0
    assert "      | requestUrlTemplate: " in result.output
    assert "      | output: {" in result.output


@pytest.mark.parametrize(
    ("template", "warned"),
    [
        ('{"to": "${input.to}"}', True),
        ('{"to": "$esc.jsonString(${input.to})"}', False),
        ('{"to": "$esc.jsonEncode(${input.to})"}', False),
        ('{"n": ${input.n}}', False),  # a number is not a string input
    ],
)
def test_unescaped_string_inputs_are_warned_about(
    tmp_path: Path, template: str, warned: bool
) -> None:
    doc = json.loads((CORPUS / "ani-blacklist" / "Disconnect-Interaction.json").read_text())
    doc["config"]["request"].update(requestType="POST", requestTemplate=template)
    doc["contract"]["input"]["inputSchema"] = {
        "type": "object",
        "properties": {
            "conversationId": {"type": "string"},
            "to": {"type": "string"},
            "n": {"type": "integer"},
        },
    }
    path = tmp_path / "a.json"
    path.write_text(json.dumps(doc))
    report = check_export(path)
    assert report.problems == []
    assert any("is not escaped" in w for w in report.warnings) is warned


def test_response_without_action_is_a_usage_error(tmp_path: Path) -> None:
    response = tmp_path / "r.json"
    response.write_text("{}")
    result = CliRunner().invoke(kit, ["check", "--response", str(response)])
    assert result.exit_code == 2 and "--response needs --action" in result.output


# --- $esc, $successTemplateUtils, $dateTool, $math ------------------------------------------


def test_esc_quote_wraps_in_double_quotes() -> None:
    assert render("$esc.quote($x)", {"x": "a b"}) == '"a b"'
    assert render("$esc.quote(${x})", {"x": ""}) == '""'


@pytest.mark.parametrize(
    ("value", "encoded"),
    [('he said "hi"', 'he said \\"hi\\"'), ("a\\b\nc", "a\\\\b\\nc"), ("Zoë ✓", "Zoë ✓")],
)
def test_esc_json_encode_escapes_like_json_string_and_decodes_back(
    value: str, encoded: str
) -> None:
    assert render("$esc.jsonEncode($x)", {"x": value}) == encoded
    assert render("$esc.jsonString($x)", {"x": value}) == encoded
    assert render("$esc.jsonDecode($x)", {"x": encoded}) == value
    assert json.loads(render('{"v": "$esc.jsonEncode($x)"}', {"x": value})) == {"v": value}


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("java", 'a\\"b\\n</c>'),
        ("javascript", 'a\\"b\\n<\\/c>'),
        ("html", "a&quot;b\n&lt;/c&gt;"),
        ("xml", "a&quot;b\n&lt;/c&gt;"),
    ],
)
def test_other_escape_tool_methods(method: str, expected: str) -> None:
    assert render(f"$esc.{method}($x)", {"x": 'a"b\n</c>'}) == expected


def test_move_keys_into_array_of_objects() -> None:
    text = '{"queue-1": {"waiting": 3}, "queue-2": {"waiting": 0}, "n": 5}'
    out = render("$successTemplateUtils.moveKeysIntoArrayOfObjects($m, 'id')", {"m": text})
    assert json.loads(out) == [
        {"id": "queue-1", "waiting": 3},
        {"id": "queue-2", "waiting": 0},
        {"id": "n", "value": 5},
    ]
    assert render("$successTemplateUtils.moveKeysIntoArrayOfObjects($m)", {"m": "[1]"}) == "[]"


def test_date_tool_formats_like_java() -> None:
    tool = DateTool(dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC))
    assert tool.get("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'") == "2026-01-02T03:04:05.678Z"
    assert tool.get("yyyyMMdd") == "20260102"
    assert tool.format("dd/MM/yyyy HH:mm", "2026-03-04T10:20:00Z") == "04/03/2026 10:20"
    assert tool.format("yyyy", None) is None
    assert tool.getSystemTime() == 1767323045678
    assert render('$dateTool.get("yyyy")', {}) == str(dt.datetime.now(dt.UTC).year)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("$math.add(1,2)", "3"),
        ("$math.add(1, 2.5)", "3.5"),
        ("$math.add(1.0, 2)", "3.0"),
        ('$math.add("1", "2")', "3"),
        ("$math.sub(5, 7)", "-2"),
        ("$math.mul(4, 2)", "8"),
        ("$math.div(6, 2)", "3"),
        ("$math.div(7, 2)", "3.5"),
        ("$math.div(1, 0)", ""),
        ("$math.roundTo(1, 2.345)", "2.3"),
        ("$math.toInteger(4.9)", "4"),
    ],
)
def test_math_keeps_integers_integers_like_java(template: str, expected: str) -> None:
    assert render(template.replace("$math", "$!math"), {}) == expected


# --- JSONPath -------------------------------------------------------------------------------

BODY = {
    "participants": [
        {"purpose": "customer", "id": "c", "tags": ["vip"]},
        {"purpose": "agent", "id": "a", "tags": []},
        {"purpose": "acd", "id": "q", "tags": ["x", "y"]},
    ]
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.participants[?('agent' in @.purpose)].id", ["a"]),
        ("$.participants[?(@.purpose in ['agent', 'acd'])].id", ["a", "q"]),
        ("$.participants[?('vip' in @.tags)].id", ["c"]),
        ("$.participants[?(length(@.tags) > 1)].id", ["q"]),
        ("$.participants[?(@.purpose == 'agent' && @.id == 'a')].id", ["a"]),
        ("$..id", ["c", "a", "q"]),
        ("$.participants.length()", 3),
        ("$.participants.size()", 3),
        ("$.participants[2].tags.length()", 2),
        ("$.participants[*].id", ["c", "a", "q"]),
        ("$.participants[?(@.purpose nin ['agent', 'acd'])].id", ["c"]),
        ("$.participants[?(@.tags size 2)].id", ["q"]),
        ("$.participants[?(@.tags empty true)].id", ["a"]),
        ("$.participants[?(@.tags empty false)].id", ["c", "q"]),
        ("$.participants[?(@.purpose =~ /AG.*/i)].id", ["a"]),
        ("$.participants[?(@.purpose != 'customer')].id", ["a", "q"]),
    ],
)
def test_jayway_filters_and_functions(path: str, expected: object) -> None:
    assert resolve(BODY, path) == (True, expected)


def test_a_function_on_a_missing_path_does_not_resolve() -> None:
    assert resolve(BODY, "$.nothing.length()") == (False, None)


def test_an_unsupported_operator_is_a_clear_translation_error() -> None:
    with pytest.raises(TranslationError, match="invalid JSONPath"):
        resolve(BODY, "$.participants[?(@.tags anyof ['x'])].id")


# --- translationMapDefaults on paths that match nothing ---------------------------------------


@pytest.mark.parametrize(
    ("path", "defaults", "expected"),
    [
        ("$.participants[?(@.purpose == 'bot')].id", {"v": '"none"'}, '"none"'),  # filter
        ("$.nothing[*].id", {"v": '"none"'}, '"none"'),  # wildcard
        ("$..missingKey", {"v": '"none"'}, '"none"'),  # deep scan
        ("$.participants[?(@.purpose == 'bot')].id", {}, "[]"),  # no default: stays []
        ("$.participants[?(@.purpose == 'agent')].id", {"v": '"none"'}, '["a"]'),  # a match
        ("$.missing", {"v": '"none"'}, '"none"'),  # definite and missing
    ],
)
def test_defaults_apply_when_a_path_resolves_no_value(
    path: str, defaults: dict[str, str], expected: str
) -> None:
    assert translate(BODY, {"v": path}, defaults) == {"v": expected}


def test_null_still_does_not_fall_back() -> None:
    assert translate({"v": None}, {"v": "$.v"}, {"v": '"dflt"'}) == {"v": "null"}


def test_a_real_export_gets_its_default_when_its_filter_matches_nothing() -> None:
    path = CORPUS / "switch-voice-to-web-messaging" / "Get-Participant-Id-for-Customer.custom.json"
    doc = json.loads(path.read_text())
    response = doc["config"]["response"]
    assert any(v for v in response["translationMapDefaults"].values())
    schema = doc["contract"]["output"]["successSchema"]
    output = success_output('{"participants": []}', response, schema)
    assert isinstance(output, dict)


# --- $Input / ${INPUT}: rendered, and reported ------------------------------------------------


def test_miscased_input_renders_in_the_emulator_and_is_warned_about() -> None:
    path = CORPUS / "process-automation-trigger-with-salesforce" / "get-summary.json"
    report = check_export(path)
    assert report.problems == []
    assert "/sample-conversationId/" in report.request["requestUrlTemplate"]
    assert any("$Input.conversationId" in w for w in report.warnings)
    results = export_results([path])
    assert [r.status for r in results] == ["PASS", WARN]


@pytest.mark.parametrize(
    ("template", "warned"),
    [
        ("/x/$Input.id", True),
        ("/x/${INPUT.id}", True),
        ("/x/$!{Input.id}", True),
        ("/x/${input.id}", False),
        ("/x/$esc.url($input.id)", False),
    ],
)
def test_case_warnings(template: str, warned: bool) -> None:
    assert bool(case_warnings([template])) is warned


@pytest.mark.parametrize("macro", ["jsonString", "jsonEncode"])
def test_our_lint_accepts_both_documented_json_escapes(macro: str) -> None:
    act = action("weakest-section")
    template = act.doc["config"]["request"]["requestTemplate"]
    act.doc["config"]["request"]["requestTemplate"] = template.replace("jsonString", macro)
    assert lint(act) == []
    act.doc["config"]["request"]["requestTemplate"] = template.replace(
        "$esc.jsonString(${input.evaluationId})", "${input.evaluationId}"
    )
    assert any("without $esc.jsonString" in p for p in lint(act))


def test_our_own_file_with_input_capitalised_gets_a_warning(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "data_actions", tmp_path / "data_actions")
    path = tmp_path / "data_actions" / "weakest-section.json"
    doc = json.loads(path.read_text())
    doc["config"]["request"]["requestUrlTemplate"] += "?e=$Input.evaluationId"
    path.write_text(json.dumps(doc))
    _, results = check_actions(tmp_path)
    warned = [r for r in results if r.status == WARN]
    assert len(warned) == 1 and "weakest-section" in warned[0].name
    assert "$Input.evaluationId" in warned[0].problems[0]
    _, clean = check_actions(ROOT)
    assert not [r for r in clean if r.status == WARN]
