"""Coaching fixtures: an in-memory Genesys installed on the app, policy helpers."""

from __future__ import annotations

import pytest

from service.coaching import policies
from service.coaching.schemas import PolicyDoc
from service.db import get_db

from .memory_genesys import MemoryGenesys


@pytest.fixture
def genesys(app):
    """An in-memory Genesys the app's coaching code will use."""
    fake = MemoryGenesys()
    app.extensions["genesys"] = fake
    yield fake
    app.extensions.pop("genesys", None)


@pytest.fixture
def put_policy(app):
    """Store a policy document (dict) in the test database."""

    def put(**doc):
        with get_db(app).session_scope() as s:
            policies.put(s, doc=PolicyDoc.model_validate(doc))

    return put
