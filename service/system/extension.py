"""Register the built-in readiness checks; other domains add theirs in their own hook."""

from __future__ import annotations

from flask import Flask

from service.settings import Settings
from service.system.readiness import init_readiness


def init_app(app: Flask, settings: Settings) -> None:
    """Database, migrations, Genesys token and queue checks for ``GET /health/ready``."""
    init_readiness(app)
