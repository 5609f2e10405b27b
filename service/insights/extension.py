"""Register the insight job handlers with the queue."""

from __future__ import annotations

from flask import Flask

from service.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Import the handlers so workers and ``drain`` know the ``insights.*`` kinds."""
    from service.insights import jobs  # noqa: F401  (registration happens at import)
