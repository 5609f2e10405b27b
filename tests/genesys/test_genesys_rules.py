"""Pure pieces of the client: path templates, backoff, Retry-After, the bucket, the cache."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime

import pytest

from service.genesys.budget import TokenBucket
from service.genesys.cache import TtlCache
from service.genesys.rules import (
    backoff_delay,
    budget_shape,
    parse_retry_after,
    path_template,
    token_refresh_margin,
)


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/api/v2/users/6c2b4c1e-1f0a-4a51-9f0e-0d6b8a3e2f11", "/api/v2/users/{id}"),
        (
            "/api/v2/quality/conversations/abc-123/evaluations/9f0e?expand=agent",
            "/api/v2/quality/conversations/{id}/evaluations/{id}",
        ),
        ("/api/v2/learning/assignments", "/api/v2/learning/assignments"),
        ("/api/v2/taskmanagement/workitems/query", "/api/v2/taskmanagement/workitems/query"),
    ],
)
def test_path_template(path: str, template: str) -> None:
    assert path_template(path) == template


def test_backoff_is_full_jitter_and_capped() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(3, 0.5, 30, rng) for _ in range(500)]
    assert all(0 <= d <= 4.0 for d in delays) and max(delays) > 3.0
    assert all(backoff_delay(40, 0.5, 30, rng) <= 30 for _ in range(100))


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        ("0.25", 0.25),
        (" 7 ", 7.0),
        ("-1", 0.0),
        ("", None),
        (None, None),
        ("soon", None),
        ("Sun, 22 Nov 2026 10:00:30 GMT", 30.0),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    now = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after(header, now) == seconds


@pytest.mark.parametrize(
    ("rpm", "burst", "capacity", "per_minute"),
    [(300, 0, 30, 270), (300, 10, 10, 290), (5, 0, 1, 4), (1, 0, 1, 1)],
)
def test_budget_never_exceeds_the_minute(
    rpm: int, burst: int, capacity: float, per_minute: float
) -> None:
    cap, rate = budget_shape(rpm, burst)
    assert cap == capacity and rate * 60 == pytest.approx(per_minute)
    assert cap + rate * 60 <= max(rpm, 2)


def test_refresh_margin() -> None:
    assert token_refresh_margin(86400) == 60
    assert token_refresh_margin(10) == 1


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_bucket_paces_after_the_burst() -> None:
    clock = _Clock()
    bucket = TokenBucket(600, 5, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        assert bucket.acquire() == 0
    waits = [bucket.acquire() for _ in range(10)]
    assert all(w > 0 for w in waits)
    # 600/min minus the burst of 5 refills at 595/60 per second.
    assert clock.now == pytest.approx(10 / (595 / 60))


def test_bucket_allows_no_more_than_the_limit_in_a_minute() -> None:
    clock = _Clock()
    bucket = TokenBucket(300, clock=clock, sleep=clock.sleep)
    sent = 0
    while clock.now < 60:
        bucket.acquire()
        if clock.now < 60:
            sent += 1
    assert sent <= 300


def test_cache_ttl_lru_and_single_loader() -> None:
    clock = _Clock()
    cache = TtlCache(10, size=2, clock=clock)
    cache.put("a", 1)
    clock.now = 11
    assert cache.get("a") == (False, None)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("a")
    cache.put("c", 3)  # evicts b, the least recently used
    assert cache.get("b") == (False, None) and cache.get("a") == (True, 1)
    loads = []
    gate = threading.Event()

    def loader() -> int:
        loads.append(1)
        gate.wait(1)
        return 42

    threads = [threading.Thread(target=cache.get_or_load, args=("k", loader)) for _ in range(8)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert len(loads) == 1 and cache.get("k") == (True, 42)


def test_bucket_pause_holds_every_caller() -> None:
    clock = _Clock()
    bucket = TokenBucket(600, 50, clock=clock, sleep=clock.sleep)
    bucket.pause(2.0)
    assert bucket.acquire() == pytest.approx(2.0)
    assert bucket.acquire() == 0  # the pause is over, burst tokens remain
