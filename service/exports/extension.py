"""Give each app its own per-client request budget for exports and the BI API."""

from __future__ import annotations

from flask import Flask

from service.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Create the app's rate limiter (``QM_BI_REQUESTS_PER_MINUTE`` per client)."""
    from service.exports.ratelimit import ClientLimiter
    from service.exports.views import LIMITER_KEY

    app.extensions[LIMITER_KEY] = ClientLimiter(settings.bi_requests_per_minute)
