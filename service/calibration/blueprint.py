"""The calibration blueprint, its URL prefix and the Genesys client accessor.

Its own module so that every route module imports it from below: ``views`` (sessions, scores,
rubric notes, the data action) and ``report_views`` (cross-session reports, candidate draws,
the HTML page) both attach their routes here, and ``views`` imports ``report_views`` so the app
factory, which registers ``service.calibration.views.bp``, gets every route.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from service.genesys import get_genesys

bp = Blueprint("calibration", __name__, template_folder="templates")
BASE = "/api/v1/calibration"


def genesys_api() -> Any:
    """The app's Genesys client, or None when Genesys is not configured."""
    return get_genesys()
