"""Every date-time and interval the coaching targets send to Genesys is in the documented form."""

from __future__ import annotations

from typing import Any

import pytest

from service.coaching import service
from service.coaching.service import AssignRequest
from service.db import get_db
from service.genesys.formats import DATETIME_PATTERN
from service.jobs.service import drain

DATE_KEYS = {"interval", "dateStart", "dateDue", "recommendedCompletionDate", "startTime"}


def date_values(data: Any) -> list[tuple[str, str]]:
    """(key, value) of every date-like key, at any depth."""
    if isinstance(data, dict):
        found = [(k, v) for k, v in data.items() if k in DATE_KEYS and isinstance(v, str)]
        return found + [kv for v in data.values() for kv in date_values(v)]
    if isinstance(data, list):
        return [kv for v in data for kv in date_values(v)]
    return []


def documented(key: str, value: str) -> bool:
    parts = value.split("/") if key == "interval" else [value]
    return len(parts) == (2 if key == "interval" else 1) and all(
        DATETIME_PATTERN.match(p) for p in parts
    )


@pytest.fixture
def recorded(genesys):
    """Wrap the memory Genesys so every outgoing body and query is kept."""
    sent: list[dict[str, Any]] = []
    for name in (
        "create_workitem",
        "create_learning_assignment",
        "create_coaching_appointment",
        "query_schedule_slots",
    ):
        original = getattr(genesys, name)

        def record(body, _original=original):
            sent.append(body)
            return _original(body)

        setattr(genesys, name, record)
    original_request = genesys.request

    def request(method, path, **kwargs):
        sent.append(kwargs.get("params") or {})
        sent.append(kwargs.get("json") or {})
        return original_request(method, path, **kwargs)

    genesys.request = request
    return sent


@pytest.mark.parametrize(
    ("target", "options"),
    [
        ("genesys_workitem", {"workitem_type_id": "wt-1"}),
        ("genesys_learning", {}),
        ("genesys_coaching_appointment", {}),
    ],
)
def test_targets_send_documented_date_times(
    app, settings, genesys, recorded, put_policy, target, options
):
    put_policy(form_id="*", target=target, default_module_id="module-1", target_options=options)
    request = AssignRequest(agent_id="agent-1", evaluation_id="e1", section_id="g1")
    with get_db(app).session_scope() as s:
        res = service.assign_coaching(s, settings=settings, genesys=genesys, request=request)
    assert res.target == target
    drain(app=app, settings=settings)
    values = [kv for body in recorded for kv in date_values(body)]
    assert values, "the target sent no date at all"
    assert [kv for kv in values if not documented(*kv)] == []
