"""Fixtures: one fake Genesys per module (reset for each test) and a client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from service.fakes.genesys import FakeGenesys
from service.genesys.client import GenesysClient
from service.settings import Settings


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeGenesys]:
    """A running fake Genesys for the module."""
    server = FakeGenesys(seed=1).start()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_server: FakeGenesys) -> FakeGenesys:
    """The module's fake, back to its fresh state."""
    fake_server.reset()
    fake_server.token_ttl = 86400
    fake_server.transcript_url_ttl = 600
    return fake_server


def make_settings(fake: FakeGenesys, **overrides: Any) -> Settings:
    """Settings for a fast-retrying client of ``fake``."""
    values: dict[str, Any] = {
        "genesys_api_host": fake.url,
        "genesys_client_id": fake.client_id,
        "genesys_client_secret": fake.client_secret,
        "genesys_backoff_base_seconds": 0.01,
        "genesys_backoff_max_seconds": 0.05,
        "genesys_timeout_seconds": 2.0,
        "genesys_max_retries": 3,
        "genesys_requests_per_minute": 100000,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def gclient(fake: FakeGenesys) -> Iterator[GenesysClient]:
    """A GenesysClient of the fake with tiny backoffs."""
    client = GenesysClient(make_settings(fake))
    yield client
    client.close()
