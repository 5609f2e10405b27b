"""Fixtures: the fake OpenAI-compatible server over HTTP, a client on it, example files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from service.fakes.llm import create_app
from service.fakes.server import ServerThread
from service.llm.client import OpenAIChat
from service.scoring.engine import EngineConfig
from service.scoring.scorecard import Scorecard, load_yaml
from service.transcripts.rules import Transcript, parse_document

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


class FakeLlm:
    """A running fake with helpers to script its next answers."""

    def __init__(self, server: ServerThread, app: Any) -> None:
        self.server = server
        self.state = app.config["FAKE_LLM"]
        self.base_url = server.url + "/v1"

    def script(self, *modes: str) -> None:
        """The next requests answer in these modes, in order."""
        requests.post(self.server.url + "/_fake/script", json={"modes": list(modes)}, timeout=5)

    def set_mode(self, mode: str, latency: float = 0.0) -> None:
        """The default mode of every later request."""
        body = {"mode": mode, "latency": latency}
        requests.post(self.server.url + "/_fake/mode", json=body, timeout=5)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        """Request bodies received, oldest first."""
        return list(self.state.bodies)

    def chat(self, **overrides: Any) -> OpenAIChat:
        """A client with fast retries (real sleeps, short delays)."""
        args: dict[str, Any] = {
            "base_url": self.base_url,
            "api_key": "test",
            "model": "fake-judge",
            "timeout": 5.0,
            "max_retries": 3,
            "backoff_base": 0.01,
            "backoff_max": 0.2,
        }
        args.update(overrides)
        return OpenAIChat(**args)


@pytest.fixture(scope="session")
def fake_llm_server() -> Iterator[tuple[ServerThread, Any]]:
    app = create_app()
    server = ServerThread(app).start()
    yield server, app
    server.stop()


@pytest.fixture
def fake_llm(fake_llm_server: tuple[ServerThread, Any]) -> Iterator[FakeLlm]:
    server, app = fake_llm_server
    fake = FakeLlm(server, app)
    fake.state.script.clear()
    fake.set_mode("judge", 0.0)
    yield fake
    fake.state.script.clear()
    fake.set_mode("judge", 0.0)


@pytest.fixture
def card() -> Scorecard:
    return load_yaml(EXAMPLES / "scorecards" / "retail_support.yaml")


def plain(*turns: tuple[str, str], **extra: Any) -> Transcript:
    """A transcript from (speaker, text) pairs."""
    doc = {"turns": [{"speaker": s, "text": t} for s, t in turns], **extra}
    return parse_document(doc)


@pytest.fixture
def chat_transcript() -> Transcript:
    return parse_document(json.loads((EXAMPLES / "transcripts" / "abcd_3592.json").read_text()))


@pytest.fixture
def cfg() -> EngineConfig:
    return EngineConfig(risk_max_turns=3)


GOOD_TURNS = (
    ("agent", "Hi, thanks for contacting us! How can I help you today?"),
    ("customer", "I need to return an item I bought."),
    ("agent", "Sure. This chat may be recorded for quality purposes."),
    ("agent", "May I have your full name, username and order ID to verify your account please?"),
    ("customer", "Crystal Minh, cminh730, order [REDACTED]"),
    ("agent", "Thanks Crystal. Our policy allows returns within 90 days; yours qualifies."),
    ("agent", "I have processed the return. Is there anything else I can help you with?"),
    ("customer", "No, that's all. Thanks!"),
)
