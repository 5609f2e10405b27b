"""Governance fixtures: the fake LLM over HTTP and the example scorecard (from tests/scoring)."""

from tests.scoring.conftest import card, fake_llm, fake_llm_server  # noqa: F401
