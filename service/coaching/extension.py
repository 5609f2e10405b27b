"""Register the coaching job handlers with the queue."""

from __future__ import annotations

from flask import Flask

from service.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Import the job handlers so workers and ``drain`` know the ``coaching.*`` kinds."""
    from service.coaching import jobs  # noqa: F401  (registration happens at import)
