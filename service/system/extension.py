"""Register the built-in readiness checks and the API reference page (``/api/v1/docs/``)."""

from __future__ import annotations

from flask import Flask

from service.settings import Settings
from service.system.readiness import init_readiness
from service.system.views import docs_blueprint


def init_app(app: Flask, settings: Settings) -> None:
    """Readiness checks for ``GET /health/ready``; Swagger UI over the OpenAPI description."""
    init_readiness(app)
    app.register_blueprint(docs_blueprint())
