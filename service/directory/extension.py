"""Register the directory sync job handler with the queue."""

from __future__ import annotations

from flask import Flask

from service.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Import the handler so workers and ``drain`` know the ``directory.sync`` kind."""
    from service.directory import jobs  # noqa: F401  (registration happens at import)
