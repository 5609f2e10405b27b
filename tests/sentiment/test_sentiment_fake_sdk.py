"""The fake's WFM payloads deserialize strictly into the Genesys SDK models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

pytest.importorskip("PureCloudPlatformClientV2")

from service.fakes.genesys import FakeGenesys
from service.genesys.client import GenesysClient
from service.genesys.formats import genesys_datetime
from tests.genesys.test_genesys_sdk_models import check

WFM = "/api/v2/workforcemanagement"


def test_wfm_payloads_match_the_sdk(fake: FakeGenesys, gclient: GenesysClient) -> None:
    agent = fake.org.agents[0]
    unit = check(
        gclient.request("GET", f"{WFM}/agents/{agent}/managementunit"),
        "AgentManagementUnitReference",
    )
    bu = unit.business_unit.id
    codes = check(
        gclient.request("GET", f"{WFM}/businessunits/{bu}/activitycodes"),
        "BusinessUnitActivityCodeListing",
    )
    assert {c.category for c in codes.entities} >= {"OnQueueWork", "Break", "Meal"}
    start = datetime(2026, 12, 1, tzinfo=UTC)
    search: Any = gclient.request(
        "POST",
        f"{WFM}/businessunits/{bu}/agentschedules/search",
        json={
            "startDate": genesys_datetime(start),
            "endDate": genesys_datetime(start + timedelta(days=2)),
            "userIds": [agent],
        },
    )
    model = check(search, "BuAsyncAgentSchedulesSearchResponse")
    assert model.status == "Complete" and model.download_url
    result = check(
        gclient.download_transcript(model.download_url), "BuAgentSchedulesSearchResponse"
    )
    shifts = result.agent_schedules[0].shifts
    assert len(shifts) == 2 and shifts[0].length_minutes == 480
    intraday: Any = gclient.request(
        "POST",
        f"{WFM}/businessunits/{bu}/intraday",
        json={"businessUnitDate": "2026-12-01", "intervalLengthMinutes": 15},
    )
    parsed = check(intraday, "AsyncIntradayResponse")
    group = parsed.result.intraday_data_groupings[0]
    assert len(group.performance_prediction_data_per_interval) == 96
