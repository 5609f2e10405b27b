"""Register the sentiment job handlers and the appointment planner."""

from __future__ import annotations

from flask import Flask

from service.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Import the ``sentiment.*`` job handlers; book sentiment appointments with our planner."""
    from service.sentiment import booking, jobs, views  # noqa: F401  (registration at import)

    booking.register()
    views.register_topics()
