"""Issue 8 case 10: a re-created action republishes its workflows; files are real exports."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from service.kit import terraform
from service.kit.actions import (
    EXPORT_KEYS,
    lint,
    lint_custom_auth,
    load_action,
    load_custom_auth,
)
from tests.kit.kit_helpers import ACTION_FILES, ROOT, SLUGS, action, edit_tf

# The keywords Genesys's contract schema document (JSON Schema draft-04) defines.
DRAFT4_KEYWORDS = set(jsonschema.Draft4Validator.META_SCHEMA["properties"]) - {"$ref"}


def test_every_flow_lists_exactly_the_actions_it_calls() -> None:
    config = terraform.load(ROOT)
    assert terraform.check_flow_republish(config) == []
    assert terraform.flow_actions(config) == {
        "triage-evaluation": ["triage-evaluation"],
        "score-transcript": ["score-transcript"],
        "evaluate-sentiment": ["evaluate-sentiment"],
        "coach-step-by-step": [
            "normalize-score",
            "weakest-section",
            "check-duplicate",
            "assign-coaching",
        ],
    }


def test_the_trigger_hash_binds_the_file_and_the_action_ids() -> None:
    flow = terraform.load(ROOT).resources()["genesyscloud_flow.workflow"]
    hashed = flow["update_trigger_hash"]
    assert "filesha256(" in hashed and "each.value.file" in hashed
    assert "genesyscloud_integration_action.action[slug].id" in hashed
    assert "for slug in each.value.actions" in hashed


def _trigger_hash(file_sha: str, ids: list[str]) -> str:
    """What Terraform computes: sha256(join("\\n", [filesha256, ids...]))."""
    return hashlib.sha256("\n".join([file_sha, *ids]).encode()).hexdigest()


def test_a_new_action_id_changes_the_hash_and_nothing_else_does() -> None:
    file_sha = hashlib.sha256((ROOT / "architect" / "triage-evaluation.yaml").read_bytes())
    before = _trigger_hash(file_sha.hexdigest(), ["id-1"])
    assert _trigger_hash(file_sha.hexdigest(), ["id-1"]) == before  # same plan, no republish
    assert _trigger_hash(file_sha.hexdigest(), ["id-2"]) != before  # re-created action
    assert _trigger_hash("0" * 64, ["id-1"]) != before  # edited flow file


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            '"check-duplicate", "assign-coaching"]',
            '"check-duplicate"]',
            "coach-step-by-step",
        ),
        ('actions = ["triage-evaluation"]', "actions = []", "triage-evaluation"),
        (
            'actions = ["score-transcript"]',
            'actions = ["score-transcript", "triage-evaluation"]',
            "score-transcript",
        ),
    ],
)
def test_an_actions_list_that_drifts_from_the_substitutions_is_caught(
    checkout: Path, old: str, new: str, expected: str
) -> None:
    config = edit_tf(checkout, "locals.tf", old, new)
    assert any(expected in p for p in terraform.check_flow_republish(config))


def test_a_hash_without_the_action_ids_is_caught(checkout: Path) -> None:
    config = edit_tf(
        checkout,
        "flows.tf",
        "[for slug in each.value.actions : genesyscloud_integration_action.action[slug].id],",
        "[],",
    )
    assert any("ids of" in p for p in terraform.check_flow_republish(config))


def test_a_hash_without_the_file_is_caught(checkout: Path) -> None:
    config = edit_tf(
        checkout,
        "flows.tf",
        '[filesha256("${local.architect_dir}/${each.value.file}")],',
        "[],",
    )
    assert any("filesha256" in p for p in terraform.check_flow_republish(config))


def test_terraform_uploads_the_contract_unchanged() -> None:
    text = (ROOT / "terraform" / "actions.tf").read_text()
    assert "contract_input  = jsonencode(each.value.contract.input.inputSchema)" in text


def _keywords(schema: object) -> set[str]:
    """Every keyword used in a schema, recursing into properties and items."""
    if not isinstance(schema, dict):
        return set()
    found = set(schema)
    for sub in (schema.get("properties") or {}).values():
        found |= _keywords(sub)
    found |= _keywords(schema.get("items"))
    return found


@pytest.mark.parametrize("path", ACTION_FILES, ids=lambda p: p.stem)
def test_committed_contracts_use_only_draft4_keywords(path: Path) -> None:
    contract = json.loads(path.read_text())["contract"]
    for schema in (contract["input"]["inputSchema"], contract["output"]["successSchema"]):
        assert _keywords(schema) <= DRAFT4_KEYWORDS, _keywords(schema) - DRAFT4_KEYWORDS
        assert "examples" not in schema


@pytest.mark.parametrize("slug", SLUGS)
def test_examples_live_beside_the_action(slug: str) -> None:
    loaded = load_action(ROOT / "data_actions" / f"{slug}.json")
    sidecar = json.loads((ROOT / "data_actions" / "examples" / f"{slug}.json").read_text())
    assert loaded.examples == sidecar and sidecar


def test_examples_back_in_a_contract_are_flagged() -> None:
    broken = action("weakest-section")
    broken.doc["contract"]["input"]["inputSchema"]["examples"] = broken.examples
    assert any("'examples' is not a Genesys contract keyword" in p for p in lint(broken))


@pytest.mark.parametrize(
    ("where", "keyword"),
    [("properties.evaluationId", "examples"), ("", "$ref"), ("properties.conversationId", "const")],
)
def test_any_non_draft4_keyword_in_a_contract_is_flagged(where: str, keyword: str) -> None:
    broken = action("weakest-section")
    node = broken.doc["contract"]["input"]["inputSchema"]
    for part in filter(None, where.split(".")):
        node = node[part]
    node[keyword] = "x"
    assert any(f"{keyword!r} is not a Genesys contract keyword" in p for p in lint(broken))


def test_missing_examples_are_flagged() -> None:
    broken = action("weakest-section")
    broken.examples.clear()
    assert any("no example inputs" in p for p in lint(broken))


def test_custom_auth_carries_the_keys_of_a_real_export() -> None:
    doc = load_custom_auth(ROOT).doc
    assert set(EXPORT_KEYS) <= set(doc)
    assert doc["contract"] == {"input": {"inputSchema": {}}, "output": {"successSchema": {}}}
    assert doc["secure"] is False
    assert lint_custom_auth(load_custom_auth(ROOT)) == []


@pytest.mark.parametrize("key", ["contract", "secure"])
def test_custom_auth_without_an_export_key_is_flagged(checkout: Path, key: str) -> None:
    path = checkout / "data_actions" / "custom-auth" / "oauth-token.json"
    doc = json.loads(path.read_text())
    del doc[key]
    path.write_text(json.dumps(doc))
    assert f"missing key {key!r}" in lint_custom_auth(load_custom_auth(checkout))


def test_custom_auth_with_a_contract_of_its_own_is_flagged(checkout: Path) -> None:
    path = checkout / "data_actions" / "custom-auth" / "oauth-token.json"
    doc = json.loads(path.read_text())
    doc["contract"]["output"]["successSchema"] = {"type": "object"}
    path.write_text(json.dumps(doc))
    assert any("custom-auth contract" in p for p in lint_custom_auth(load_custom_auth(checkout)))
