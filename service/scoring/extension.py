"""Wire scoring into the app: the LLM client (one budget for every process) and job handlers."""

from __future__ import annotations

from flask import Flask

from service.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Register job handlers; build the LLM client when ``QM_LLM_*`` is configured."""
    from service.scoring import jobs  # noqa: F401  (registers the handlers)

    if settings.llm_base_url and settings.llm_model and "llm" not in app.extensions:
        from service.db import get_db
        from service.llm.client import OpenAIChat

        # The engine makes the request and token budgets shared by every process.
        engine = get_db(app).engine if "qm_db" in app.extensions else None
        app.extensions["llm"] = OpenAIChat.from_settings(settings, engine)
