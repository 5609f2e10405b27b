"""The emulator runs every action file over real HTTP, the way Genesys would.

Two servers: a recording stub (checks exactly what the emulator sends, on any branch) and the
real app (each action against its live endpoint; gated on the route being declared).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, jsonify, request
from pydantic import SecretStr

from service.coaching import schemas
from service.fakes.server import ServerThread
from service.kit.actions import load_custom_auth
from service.kit.contracts import registry
from service.kit.emulator import Credential, Emulator
from tests.conftest import CLIENT_ID, CLIENT_SECRET
from tests.kit.kit_helpers import ROOT, SLUGS, action

# The pinned request models: the rendered bodies must parse as the endpoints will parse them.
PINNED_INPUTS = {
    "normalize-score": schemas.NormalizeScoreIn,
    "weakest-section": schemas.WeakestSectionIn,
    "check-duplicate": schemas.CheckDuplicateIn,
    "assign-coaching": schemas.AssignCoachingIn,
    "triage-evaluation": schemas.TriageEvaluationIn,
}
SAMPLE = {"string": 'ok "quoted"\nZoë', "number": 61.5, "integer": 3, "boolean": True}


def _stub_app(received: list[dict[str, Any]], answers: dict[str, Any]) -> Flask:
    app = Flask("stub")

    @app.post("/oauth/token")
    def token() -> Any:
        expected = "Basic " + base64.b64encode(b"cid:csecret").decode()
        if request.headers.get("Authorization") != expected:
            return jsonify(error="invalid_client"), 401
        return jsonify(access_token="tok-123", token_type="Bearer", expires_in=3600)

    @app.post("/data-actions/<slug>")
    def data_action(slug: str) -> Any:
        received.append(
            {
                "slug": slug,
                "headers": dict(request.headers),
                "body": json.loads(request.get_data(as_text=True)),
            }
        )
        if slug in answers:
            return answers[slug]
        props = action(slug).output_schema["properties"]
        return jsonify({name: SAMPLE[p["type"]] for name, p in props.items()})

    return app


@pytest.fixture
def stub() -> Iterator[tuple[ServerThread, list[dict[str, Any]], dict[str, Any]]]:
    received: list[dict[str, Any]] = []
    answers: dict[str, Any] = {}
    server = ServerThread(_stub_app(received, answers)).start()
    yield server, received, answers
    server.stop()


def _examples() -> list[tuple[str, int]]:
    return [(slug, i) for slug in SLUGS for i in range(len(action(slug).examples))]


@pytest.mark.parametrize(("slug", "index"), _examples())
def test_every_example_runs_against_the_stub_with_basic_auth(stub, slug: str, index: int) -> None:  # type: ignore[no-untyped-def]
    server, received, _ = stub
    act = action(slug)
    example = act.examples[index]
    outcome = Emulator(server.url, Credential.basic("user", "pw")).run(act, example)
    assert outcome.ok, outcome.error
    sent = received[-1]
    assert sent["headers"]["Authorization"] == "Basic " + base64.b64encode(b"user:pw").decode()
    assert sent["headers"]["Inin-Correlation-Id"] and sent["headers"]["Inin-Organization-Id"]
    for name, value in example.items():  # every string arrives intact: quotes, newlines, UTF-8
        assert sent["body"][name] == value
    if slug in PINNED_INPUTS:
        PINNED_INPUTS[slug].model_validate(sent["body"])


def test_oauth_runs_the_custom_auth_action_first(stub) -> None:  # type: ignore[no-untyped-def]
    server, received, _ = stub
    emulator = Emulator(server.url, Credential.oauth("cid", "csecret"), load_custom_auth(ROOT))
    for slug in SLUGS:
        act = action(slug)
        assert emulator.run(act, act.examples[0]).ok
    assert {r["headers"]["Authorization"] for r in received} == {"Bearer tok-123"}


def test_oauth_with_a_wrong_secret_fails_before_any_action(stub) -> None:  # type: ignore[no-untyped-def]
    server, received, _ = stub
    emulator = Emulator(server.url, Credential.oauth("cid", "wrong"), load_custom_auth(ROOT))
    outcome = emulator.run(action("normalize-score"), action("normalize-score").examples[0])
    assert not outcome.ok and "custom-auth" in outcome.error and received == []


def test_unescaped_template_fails_on_a_tricky_string(stub) -> None:  # type: ignore[no-untyped-def]
    server, received, _ = stub
    broken = action("check-duplicate")
    template = broken.doc["config"]["request"]["requestTemplate"]
    broken.doc["config"]["request"]["requestTemplate"] = template.replace(
        "$esc.jsonString(${input.sectionId})", "${input.sectionId}"
    )
    tricky = next(e for e in broken.examples if '"' in e["sectionId"])
    outcome = Emulator(server.url, Credential.basic("u", "p")).run(broken, tricky)
    assert outcome.path == "failure" and "not JSON" in outcome.error and received == []


def test_broken_output_contract_fails(stub) -> None:  # type: ignore[no-untyped-def]
    server, _, _ = stub
    broken = action("normalize-score")
    broken.doc["contract"]["output"]["successSchema"]["properties"]["percentage"]["type"] = (
        "boolean"
    )
    outcome = Emulator(server.url, Credential.basic("u", "p")).run(broken, broken.examples[0])
    assert outcome.path == "failure" and "percentage" in outcome.error


def test_missing_required_input_fails_before_sending(stub) -> None:  # type: ignore[no-untyped-def]
    server, received, _ = stub
    outcome = Emulator(server.url, Credential.basic("u", "p")).run(
        action("triage-evaluation"), {"evaluationId": "e1"}
    )
    assert outcome.path == "failure" and "conversationId" in outcome.error and received == []


def test_missing_response_keys_use_defaults_and_null_fails(stub) -> None:  # type: ignore[no-untyped-def]
    server, _, answers = stub
    act = action("check-duplicate")
    answers["check-duplicate"] = {"duplicate": True}
    outcome = Emulator(server.url, Credential.basic("u", "p")).run(act, act.examples[0])
    assert outcome.output == {"duplicate": True, "reason": "", "existingAssignmentId": ""}
    answers["check-duplicate"] = {"duplicate": True, "reason": None, "existingAssignmentId": ""}
    assert Emulator(server.url, Credential.basic("u", "p")).run(act, act.examples[0]).path == (
        "failure"
    )


def test_http_error_is_the_failure_path(stub) -> None:  # type: ignore[no-untyped-def]
    server, _, answers = stub
    answers["weakest-section"] = ({"title": "boom"}, 503)
    act = action("weakest-section")
    outcome = Emulator(server.url, Credential.basic("u", "p")).run(act, act.examples[0])
    assert outcome.path == "failure" and outcome.status == 503


# Live: every action file against the real app, both credential types.
@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("kind", ["basic", "oauth"])
def test_action_runs_live_against_the_app(app, slug: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    if slug not in registry():
        pytest.skip(f"live: route POST /data-actions/{slug} is not declared on this branch yet")
    credential = (
        Credential.basic(CLIENT_ID, CLIENT_SECRET)
        if kind == "basic"
        else Credential.oauth(CLIENT_ID, CLIENT_SECRET)
    )
    server = ServerThread(app).start()
    try:
        emulator = Emulator(server.url, credential, load_custom_auth(ROOT))
        act = action(slug)
        for example in act.examples:
            outcome = emulator.run(act, example)
            assert outcome.ok, f"{slug} {example}: {outcome.error}"
    finally:
        server.stop()


def test_custom_auth_action_gets_a_token_from_the_real_app(app) -> None:  # type: ignore[no-untyped-def]
    server = ServerThread(app).start()
    try:
        emulator = Emulator(
            server.url, Credential.oauth(CLIENT_ID, CLIENT_SECRET), load_custom_auth(ROOT)
        )
        auth = emulator._auth_context()
        assert auth and auth["token_type"] == "Bearer" and auth["access_token"]
        bad = Emulator(server.url, Credential.oauth(CLIENT_ID, "nope"), load_custom_auth(ROOT))
        with pytest.raises(RuntimeError, match="HTTP 401"):
            bad._auth_context()
    finally:
        server.stop()


def test_actions_run_live_through_the_fake_genesys_org(settings) -> None:  # type: ignore[no-untyped-def]
    """The Genesys-reading paths: real evaluations fetched from the fake org, both credentials."""
    from service import create_app
    from service.db import get_db
    from service.fakes.genesys import FakeGenesys
    from service.kit.check import _inputs, pick_samples, sample_inputs

    missing = {"triage-evaluation", "weakest-section"} - set(registry())
    if missing:
        pytest.skip(f"live: routes {sorted(missing)} are not declared on this branch yet")
    with FakeGenesys(seed=1) as fake:
        app = create_app(settings.model_copy(update={
            "genesys_api_host": fake.url,
            "genesys_client_id": fake.client_id,
            "genesys_client_secret": SecretStr(fake.client_secret),
        }))  # fmt: skip
        picked = pick_samples(fake.org.evaluations, fake.org.users)
        samples = [sample_inputs(e) for e in picked]
        server = ServerThread(app).start()
        try:
            emulator = Emulator(server.url, Credential.oauth(CLIENT_ID, CLIENT_SECRET),
                                load_custom_auth(ROOT))  # fmt: skip
            decisions = []
            for slug in ("weakest-section", "triage-evaluation"):
                act = action(slug)
                for label, inputs in _inputs(act, samples)[len(act.examples) :]:
                    outcome = emulator.run(act, inputs)
                    assert outcome.ok, f"{slug} {label}: {outcome.error}"
                    decisions.append(outcome.output.get("decision", outcome.output.get("found")))
        finally:
            server.stop()
            get_db(app).dispose()
    assert True in decisions and "assigned" in decisions, decisions
