"""Calls into Genesys Cloud: the ``GenesysApi`` protocol, its HTTP client and the app hook."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from service.genesys.api import GenesysApi

# The one line a command prints when it needs Genesys and none is configured.
NOT_CONFIGURED = (
    "Genesys is not configured: set QM_GENESYS_API_HOST (or QM_GENESYS_REGION), "
    "QM_GENESYS_CLIENT_ID and QM_GENESYS_CLIENT_SECRET"
)


def get_genesys(app: Flask | None = None) -> GenesysApi | None:
    """The app's Genesys client (any ``GenesysApi``), or None when Genesys is not configured."""
    from flask import current_app

    target = app or current_app
    api: GenesysApi | None = target.extensions.get("genesys")
    return api
