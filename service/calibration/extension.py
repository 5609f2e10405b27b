"""Register the calibration job handlers when the app is built."""

from __future__ import annotations

from flask import Flask

from service.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Import the job handlers so the worker knows them."""
    from service.calibration import ai_panel, jobs  # noqa: F401
    from service.calibration.programs import jobs as program_jobs  # noqa: F401
