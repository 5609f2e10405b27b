"""Kit test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kit.kit_helpers import copy_kit


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the kit's folders, safe to break."""
    return copy_kit(tmp_path)
