"""Replay fixtures: the shared fake Genesys sample org (the demo's) and settings pointed at it."""

from __future__ import annotations

import pytest

from tests.fixtures_genesys import point_at_fake


@pytest.fixture
def settings(settings, fake):
    """Test settings pointed at the fake org."""
    return point_at_fake(settings, fake, genesys_timeout_seconds=5.0, genesys_max_retries=0)
