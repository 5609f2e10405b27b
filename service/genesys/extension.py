"""Create the process's one Genesys client when credentials are configured."""

from __future__ import annotations

from flask import Flask

from service.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Store a ``GenesysClient`` in ``app.extensions["genesys"]``, or None without credentials.

    Tests may replace it with any object implementing ``GenesysApi``.
    """
    if not settings.genesys_enabled:
        app.extensions["genesys"] = None
        return
    from service.genesys.api import GenesysApi
    from service.genesys.client import GenesysClient

    client: GenesysApi = GenesysClient(settings)  # mypy checks the client against the protocol
    app.extensions["genesys"] = client
