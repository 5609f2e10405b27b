"""Each data action file is well formed and equals the pydantic models of its endpoint."""

from __future__ import annotations

import pytest

from service.coaching import schemas
from service.kit.actions import lint, lint_custom_auth, load_custom_auth
from service.kit.contracts import Endpoint, check_contract, compare, registry
from tests.kit.kit_helpers import ACTION_FILES, ROOT, SLUGS, action


def test_there_are_action_files() -> None:
    assert {
        "normalize-score",
        "weakest-section",
        "check-duplicate",
        "assign-coaching",
        "triage-evaluation",
    } <= set(SLUGS)


@pytest.mark.parametrize("slug", SLUGS)
def test_action_file_is_well_formed(slug: str) -> None:
    assert lint(action(slug)) == []


@pytest.mark.parametrize("slug", SLUGS)
def test_contract_equals_the_endpoint_models(slug: str) -> None:
    endpoints = registry()
    if slug not in endpoints:
        pytest.skip(f"route POST /data-actions/{slug} is not declared on this branch yet")
    assert check_contract(action(slug), endpoints[slug]) == []


def test_every_declared_data_action_route_has_a_file() -> None:
    missing = sorted(set(registry()) - set(SLUGS))
    assert missing == [], f"data action routes without data_actions/<slug>.json: {missing}"


# The comparer itself, against the pinned coaching models (independent of the routes).
PINNED = {
    "normalize-score": (schemas.NormalizeScoreIn, schemas.NormalizeScoreOut),
    "weakest-section": (schemas.WeakestSectionIn, schemas.WeakestSectionOut),
    "check-duplicate": (schemas.CheckDuplicateIn, schemas.CheckDuplicateOut),
    "assign-coaching": (schemas.AssignCoachingIn, schemas.AssignCoachingOut),
    "triage-evaluation": (schemas.TriageEvaluationIn, schemas.TriageEvaluationOut),
}


@pytest.mark.parametrize("slug", sorted(PINNED))
def test_contract_equals_the_pinned_models(slug: str) -> None:
    assert check_contract(action(slug), Endpoint(slug, *PINNED[slug])) == []


def test_a_changed_type_is_caught() -> None:
    broken = action("normalize-score")
    broken.doc["contract"]["output"]["successSchema"]["properties"]["percentage"]["type"] = "string"
    problems = compare("output", broken.output_schema, schemas.NormalizeScoreOut)
    assert problems and "percentage" in problems[0]


def test_a_dropped_required_input_is_caught() -> None:
    broken = action("assign-coaching")
    broken.doc["contract"]["input"]["inputSchema"]["required"].remove("sectionId")
    assert any(
        "required" in p for p in compare("input", broken.input_schema, schemas.AssignCoachingIn)
    )


def test_an_extra_or_missing_property_is_caught() -> None:
    broken = action("check-duplicate")
    props = broken.doc["contract"]["output"]["successSchema"]["properties"]
    props["extra"] = {"type": "string"}
    del props["reason"]
    problems = compare("output", broken.output_schema, schemas.CheckDuplicateOut)
    assert any("'extra'" in p for p in problems) and any("'reason'" in p for p in problems)


def test_an_invalid_example_is_caught() -> None:
    broken = action("normalize-score")
    broken.examples.append(
        {"evaluationId": "e", "status": "Finished", "score": 9, "totalPoints": 5}
    )
    problems = check_contract(broken, Endpoint("normalize-score", *PINNED["normalize-score"]))
    assert any("example" in p for p in problems)


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (
            lambda d: d["config"]["request"].update(
                requestTemplate='{"agentId": "${input.agentId}"}'
            ),
            "without $esc.jsonString",
        ),
        (
            lambda d: d["config"]["request"].update(
                requestUrlTemplate="https://qm.example.com/data-actions/check-duplicate"
            ),
            "must start with",
        ),
        (lambda d: d["config"]["response"]["translationMapDefaults"].pop("reason"), "no default"),
        (
            lambda d: d["config"]["response"]["translationMapDefaults"].update(reason="none"),
            "not JSON text",
        ),
        (
            lambda d: d["contract"]["output"]["successSchema"]["required"].remove("reason"),
            "must be required",
        ),
        (
            lambda d: d["contract"]["output"]["successSchema"]["properties"].update(
                nested={"type": "object"}
            ),
            "not flat",
        ),
        (lambda d: d.pop("secure"), "missing key 'secure'"),
        (lambda d: d["config"].update(timeoutSeconds=90), "timeoutSeconds"),
    ],
)
def test_lint_catches_a_broken_file(breakage, expected: str) -> None:  # type: ignore[no-untyped-def]
    broken = action("check-duplicate")
    breakage(broken.doc)
    assert any(expected in p for p in lint(broken)), lint(broken)


def test_files_are_the_only_copy() -> None:
    assert all(p.parent.name == "data_actions" for p in ACTION_FILES)


def test_custom_auth_file_is_well_formed() -> None:
    assert lint_custom_auth(load_custom_auth(ROOT)) == []


def test_custom_auth_with_a_hard_coded_host_is_caught() -> None:
    auth = load_custom_auth(ROOT)
    auth.doc["config"]["request"]["requestUrlTemplate"] = "https://qm.example.com/oauth/token"
    assert any("must start with" in p for p in lint_custom_auth(auth))
