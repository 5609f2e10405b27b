"""The LMS webhook's Retry-After goes through the one parser (seconds, HTTP date, garbage)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests

from service.coaching.targets import _lms_result
from service.jobs.registry import RetryLater


def _response(status: int, headers: dict[str, str]) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp.headers.update(headers)
    resp._content = b"{}"
    return resp


@pytest.mark.parametrize(
    ("status", "headers", "low", "high"),
    [
        (429, {"Retry-After": "12"}, 12.0, 12.0),
        (429, {"Retry-After": "1.5"}, 1.5, 1.5),  # was dropped: not all digits
        (503, {"Retry-After": "{date+40}"}, 38.5, 40.0),  # was dropped: a date
        (503, {"Retry-After": "{date-40}"}, 0.0, 0.0),
        (429, {"retry-after-ms": "800"}, 0.8, 0.8),
        (429, {"Retry-After": "later"}, None, None),
        (408, {}, None, None),
    ],
)
def test_lms_retry_after(status: int, headers: dict[str, str], low, high) -> None:
    now = datetime.now(UTC)
    headers = {
        k: v.replace(
            "{date+40}", format_datetime(now + timedelta(seconds=40), usegmt=True)
        ).replace("{date-40}", format_datetime(now - timedelta(seconds=40), usegmt=True))
        for k, v in headers.items()
    }
    with pytest.raises(RetryLater) as err:
        _lms_result(_response(status, headers))
    if low is None:
        assert err.value.retry_after is None
    else:
        assert low <= err.value.retry_after <= high
