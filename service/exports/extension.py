"""Give the app the per-client request budget of exports and the BI API (shared by processes)."""

from __future__ import annotations

from flask import Flask

from service.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Create the app's rate limiter (``QM_BI_REQUESTS_PER_MINUTE`` per client), shared with
    every other process on the same database."""
    from service.db import get_db
    from service.exports.ratelimit import ClientLimiter
    from service.exports.views import LIMITER_KEY

    engine = get_db(app).engine
    app.extensions[LIMITER_KEY] = ClientLimiter(settings.bi_requests_per_minute, engine)
