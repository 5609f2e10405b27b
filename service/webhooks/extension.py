"""Register the outbound event job handlers with the queue."""

from __future__ import annotations

from flask import Flask

from service.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Import the handlers so workers and ``drain`` know the ``webhooks.*`` kinds."""
    from service.webhooks import jobs  # noqa: F401  (registration happens at import)
