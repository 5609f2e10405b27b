"""Exports tests: no settle window (rows are visible to exports at once)."""

from __future__ import annotations

import pytest

from service.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings with the export settle window off."""
    return settings.model_copy(update={"export_settle_seconds": 0})
