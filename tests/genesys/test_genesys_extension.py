"""The app hook: a GenesysClient when configured, None otherwise, and any GenesysApi in tests."""

from __future__ import annotations

from pathlib import Path

from service import create_app
from service.genesys import get_genesys
from service.genesys.client import GenesysClient
from service.settings import Settings


def _settings(tmp_path: Path, **extra: str) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", client_secret="x", **extra)


def test_no_credentials_means_no_client(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path))
    assert get_genesys(app) is None


def test_configured_client(tmp_path: Path) -> None:
    app = create_app(
        _settings(
            tmp_path,
            genesys_region="eu_west_1",
            genesys_client_id="id",
            genesys_client_secret="secret",
        )
    )
    client = get_genesys(app)
    assert isinstance(client, GenesysClient)
    assert client.base_url == "https://api.mypurecloud.ie"
    assert client.login_url == "https://login.mypurecloud.ie"
    with app.app_context():
        assert get_genesys() is client


def test_any_genesys_api_can_be_installed(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path))
    stub = object()
    app.extensions["genesys"] = stub
    assert get_genesys(app) is stub


def test_secret_is_not_in_the_client_repr_or_stats(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        genesys_api_host="http://127.0.0.1:9",
        genesys_client_id="id",
        genesys_client_secret="very-secret-value",
    )
    client = GenesysClient(settings)
    assert "very-secret-value" not in repr(vars(client)) + repr(client.stats())


def test_fake_settings_overrides_make_a_working_client(tmp_path: Path) -> None:
    from service.fakes.genesys import FakeGenesys

    with FakeGenesys(seed=2) as fake:
        app = create_app(_settings(tmp_path, **fake.settings_overrides()))
        client = get_genesys(app)
        assert client is not None
        agent = fake.org.agents[0]
        assert client.get_user(agent)["id"] == agent
