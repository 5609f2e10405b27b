"""The fake Genesys for tests (a pytest plugin, loaded by ``tests/conftest.py``).

Fixtures: ``fake_server`` (one running :class:`FakeGenesys`, seed 1, per test module), ``fake``
(that server back to its fresh state, for each test) and ``gclient`` (a ``GenesysClient`` of
it). Helpers: ``client_settings`` (standalone ``Settings`` for a client of the fake) and
``point_at_fake`` (the test app's settings pointed at it). A module that talks to the fake
through the app overrides ``settings`` in one line::

    @pytest.fixture
    def settings(settings, fake):
        return point_at_fake(settings, fake, genesys_max_retries=1)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from pydantic import SecretStr

from service.db import get_db
from service.fakes.genesys import FakeGenesys
from service.genesys.client import GenesysClient
from service.settings import Settings

# A client that retries at once, gives up quickly and is never throttled by its own budget.
FAST_CLIENT: dict[str, Any] = {
    "genesys_backoff_base_seconds": 0.01,
    "genesys_backoff_max_seconds": 0.05,
    "genesys_timeout_seconds": 2.0,
    "genesys_max_retries": 3,
    "genesys_requests_per_minute": 100_000,
}


def client_settings(fake: FakeGenesys, **overrides: Any) -> Settings:
    """Settings for a fast-retrying ``GenesysClient`` of ``fake``; ``overrides`` win."""
    return Settings(**{**fake.settings_overrides(), **FAST_CLIENT, **overrides})


def point_at_fake(settings: Settings, fake: FakeGenesys, **overrides: Any) -> Settings:
    """``settings`` (changed in place and returned) pointed at ``fake`` with a fast client;
    ``overrides`` (any ``Settings`` field) win. Secret fields may be given as plain strings."""
    values = {**fake.settings_overrides(), **FAST_CLIENT, **overrides}
    for name, value in values.items():
        secret = Settings.model_fields[name].annotation is SecretStr and isinstance(value, str)
        setattr(settings, name, SecretStr(value) if secret else value)
    return settings


def close_app(app: Flask) -> None:
    """Stop what a test app started: its Genesys client (whose shared budget runs a thread
    that would outlive the test database) and its database pool."""
    genesys = app.extensions.get("genesys")
    if hasattr(genesys, "close"):
        genesys.close()
    get_db(app).dispose()


@pytest.fixture(scope="module")
def fake_server(request: pytest.FixtureRequest) -> Iterator[FakeGenesys]:
    """A running fake Genesys for the test module (take ``fake`` for a fresh one); its sample
    org is built from the module's ``FAKE_GENESYS_SEED`` (default 1)."""
    server = FakeGenesys(seed=getattr(request.module, "FAKE_GENESYS_SEED", 1)).start()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_server: FakeGenesys) -> FakeGenesys:
    """The module's fake Genesys, back to its fresh state: sample org, no faults, no tokens."""
    fake_server.reset()
    fake_server.token_ttl = 86400
    fake_server.transcript_url_ttl = 600
    return fake_server


@pytest.fixture
def gclient(fake: FakeGenesys) -> Iterator[GenesysClient]:
    """A ``GenesysClient`` of the fresh fake, fast-retrying (``client_settings``)."""
    client = GenesysClient(client_settings(fake))
    yield client
    client.close()
