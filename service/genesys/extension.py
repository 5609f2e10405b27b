"""Create the process's one Genesys client when credentials are configured."""

from __future__ import annotations

from flask import Flask

from service.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Store a ``GenesysClient`` in ``app.extensions["genesys"]``, or None without credentials.

    The client shares its access token and request budget with every process on the same
    database. Tests may replace it with any object implementing ``GenesysApi``.
    """
    if not settings.genesys_enabled:
        app.extensions["genesys"] = None
        return
    from service.db import get_db
    from service.genesys.api import GenesysApi
    from service.genesys.client import GenesysClient

    engine = get_db(app).engine if "qm_db" in app.extensions else None
    # mypy checks the client against the protocol
    client: GenesysApi = GenesysClient(settings, engine=engine)
    app.extensions["genesys"] = client
