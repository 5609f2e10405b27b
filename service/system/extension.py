"""Register the API reference page (``/api/v1/docs/``) on the app."""

from __future__ import annotations

from flask import Flask

from service.settings import Settings
from service.system.views import docs_blueprint


def init_app(app: Flask, settings: Settings) -> None:
    """Serve Swagger UI over the app's OpenAPI description."""
    app.register_blueprint(docs_blueprint())
