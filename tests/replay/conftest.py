"""Replay fixtures: the fake Genesys sample org (the demo's) and settings pointed at it."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from service.fakes.genesys import FakeGenesys


@pytest.fixture(scope="module")
def fake_server():
    server = FakeGenesys(seed=1).start()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_server):
    fake_server.reset()
    return fake_server


@pytest.fixture
def settings(settings, fake):
    """Test settings pointed at the fake org."""
    settings.genesys_api_host = fake.url
    settings.genesys_client_id = fake.client_id
    settings.genesys_client_secret = SecretStr(fake.client_secret)
    settings.genesys_timeout_seconds = 5.0
    settings.genesys_max_retries = 0
    return settings
