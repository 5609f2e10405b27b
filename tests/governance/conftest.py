"""Governance fixtures: the fake LLM over HTTP and the example scorecard (from tests/scoring)."""

import pytest

from tests.scoring.conftest import card, fake_llm, fake_llm_server  # noqa: F401


@pytest.fixture(autouse=True)
def _no_leftover_keys():
    """Every test starts and ends without process-wide encryption keys."""
    from service.governance import crypto

    crypto.configure("")
    yield
    crypto.configure("")
