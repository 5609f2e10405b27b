"""Outbound HTTP never follows redirects: the LMS webhook, the Genesys client, the LLM client."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask, jsonify, redirect, request

from service.coaching.models import CoachingAssignment
from service.coaching.schemas import TargetOptions
from service.coaching.targets import LmsWebhookTarget, TargetContext
from service.fakes.server import ServerThread
from service.genesys.api import GenesysError
from service.genesys.client import GenesysClient
from service.jobs.registry import PermanentFailure
from service.llm.client import LlmRejected, OpenAIChat
from service.settings import Settings

LANDED: list[str] = []


def _redirector() -> Flask:
    app = Flask("redirector")

    @app.post("/hook/<int:status>")
    def hook(status: int):
        return redirect("/landing?token=stolen", code=status)

    @app.route("/landing", methods=["GET", "POST"])
    def landing():
        LANDED.append(request.method)
        return jsonify({"id": "landed"})

    @app.post("/oauth/token")
    def token():
        return jsonify({"access_token": "t", "token_type": "bearer", "expires_in": 3600})

    @app.get("/api/v2/users/<user_id>")
    def user(user_id: str):
        return redirect("/landing", code=302)

    @app.post("/v1/chat/completions")
    def chat():
        return redirect("/landing", code=307)

    return app


@pytest.fixture(scope="module")
def server():
    thread = ServerThread(_redirector()).start()
    yield thread
    thread.stop()


@pytest.fixture(autouse=True)
def _clear():
    LANDED.clear()


def _assignment() -> CoachingAssignment:
    return CoachingAssignment(
        id="as-1",
        evaluation_id="ev-1",
        agent_id="ag-1",
        conversation_id="c-1",
        section_id="s1",
        section_name="Greeting",
        module_id="",
        percentage=40.0,
        due_date=date(2026, 1, 9),
    )


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_lms_webhook_redirect_is_a_delivery_failure(server, status):
    settings = Settings(
        lms_webhook_url=f"{server.url}/hook/{status}", lms_webhook_secret="planted-lms-secret"
    )
    ctx = TargetContext(settings, None, TargetOptions())
    with pytest.raises(PermanentFailure) as failed:
        LmsWebhookTarget().deliver(_assignment(), ctx)
    message = str(failed.value)
    assert f"answered {status} (a redirect to " in message
    assert "redirects are not followed" in message
    assert "token=***" in message and "stolen" not in message
    assert LANDED == []  # the signed body went nowhere else


def test_genesys_redirect_is_an_error_not_a_hop(server):
    settings = Settings(
        genesys_api_host=server.url,
        genesys_client_id="c",
        genesys_client_secret="s",
        genesys_max_retries=0,
    )
    client = GenesysClient(settings)
    try:
        with pytest.raises(GenesysError) as failed:
            client.request("GET", "/api/v2/users/u1")
    finally:
        client.close()
    assert failed.value.upstream_status == 302
    assert "redirects are not followed" in str(failed.value)
    assert LANDED == []


def test_llm_redirect_is_rejected_not_followed(server):
    chat = OpenAIChat(base_url=f"{server.url}/v1", api_key="k", model="m", max_retries=0)
    with pytest.raises(LlmRejected) as failed:
        chat.complete_json(
            [{"role": "user", "content": "hi"}], {"type": "object"}, name="x", max_tokens=64
        )
    assert "307 (a redirect; not followed)" in str(failed.value)
    assert LANDED == []
