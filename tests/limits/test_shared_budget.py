"""One Genesys token and one request budget for every process on one database.

(On SQLite they live in the database's companion file, ``<database>-limits``.)

Each test runs on SQLite (a file) and PostgreSQL. "Two processes" are two apps (each with its
own engine, pool and client, as two gunicorn or worker processes have) and, once, a real
second Python process.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from service import create_app
from service.db import get_db
from service.fakes.genesys import FakeGenesys
from service.genesys import get_genesys
from service.genesys.client import GenesysClient
from service.limits.budget import SharedBudget
from service.limits.models import SharedToken
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake() -> Iterator[FakeGenesys]:
    """A fake Genesys of this test alone (its URL keys the budget and token rows)."""
    server = FakeGenesys(seed=3).start()
    yield server
    server.stop()


def _app(database_url: str, tmp_path: Path, fake: FakeGenesys, **extra: object) -> Flask:
    settings = Settings(
        database_url=database_url,
        instance_path=tmp_path / "instance",
        client_id="c",
        client_secret="s",
        secret_key="k",
        log_json=False,
        genesys_backoff_base_seconds=0.01,
        **fake.settings_overrides(),
        **extra,
    )
    return create_app(settings)


def _client(app: Flask) -> GenesysClient:
    client = get_genesys(app)
    assert isinstance(client, GenesysClient)
    return client


def _agents(fake: FakeGenesys) -> list[str]:
    return [u["id"] for u in fake.org.users.values() if u["state"] == "active"]


@pytest.fixture
def two_apps(database_url: str, tmp_path: Path, fake: FakeGenesys) -> Iterator[list[Flask]]:
    apps = [_app(database_url, tmp_path / str(i), fake) for i in range(2)]
    yield apps
    for app in apps:
        _client(app).budget.close()  # type: ignore[union-attr]
        get_db(app).dispose()


# ---------------------------------------------------------------------- the budget


def test_two_engines_draw_from_one_budget(database_url: str) -> None:
    name = "t" + uuid.uuid4().hex[:12]
    engines = [create_engine(database_url) for _ in range(2)]
    a, b = (SharedBudget(name, [(3, 2000)], e) for e in engines)
    other = SharedBudget(name + "x", [(3, 2000)], engines[1])
    try:
        assert a.shared and b.shared
        started = time.monotonic()
        for _ in range(3):
            a.acquire()
        assert time.monotonic() - started < 1.0  # within the window: no wait
        assert other.acquire() < 0.5  # another budget's name: its own window
        assert b.acquire() >= 1.0  # the window is full of a's requests: b waits it out
    finally:
        for budget in (a, b, other):
            budget.close()
        for e in engines:
            e.dispose()


CHILD = """
import json, sys, time
from sqlalchemy import create_engine
from service.limits.budget import SharedBudget
budget = SharedBudget(sys.argv[2], [(3, 8000)], create_engine(sys.argv[1]))
stamps = [time.time() for _ in range(3) if budget.acquire() is not None]
print(json.dumps({"first": stamps[0], "shared": budget.shared}))
budget.close()
"""


def test_another_process_draws_from_the_same_budget(database_url: str) -> None:
    name = "t" + uuid.uuid4().hex[:12]
    out = subprocess.run(
        [sys.executable, "-c", CHILD, database_url, name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    child = json.loads(out.stdout.strip().splitlines()[-1])
    engine = create_engine(database_url)
    budget = SharedBudget(name, [(3, 8000)], engine)
    try:
        expected = child["first"] + 8.0 - time.time()  # when the child's first request leaves
        waited = budget.acquire()
        assert child["shared"] and expected > 1.0
        assert waited >= expected - 0.3
    finally:
        budget.close()
        engine.dispose()


def test_two_apps_count_their_genesys_calls_in_one_budget(
    two_apps: list[Flask], fake: FakeGenesys
) -> None:
    a, b = (_client(app) for app in two_apps)
    agents = _agents(fake)
    a.get_user(agents[0])
    b.get_user(agents[1])
    b.get_user(agents[2])
    assert a.budget.name == b.budget.name  # type: ignore[union-attr]
    bucket = a.budget._get_limiter().buckets()[0]  # type: ignore[union-attr]
    assert bucket.count() == 3 == fake.calls_to("/api/v2/users/*")


# ---------------------------------------------------------------------- the token


def _row(app: Flask) -> SharedToken:
    store = _client(app)._tokens
    assert store is not None
    with Session(store.engine) as s:
        row = s.scalars(select(SharedToken)).one()
        s.expunge(row)
    return row


def test_one_token_for_two_apps_stored_encrypted(
    two_apps: list[Flask], fake: FakeGenesys, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    a, b = (_client(app) for app in two_apps)
    agents = _agents(fake)
    a.get_user(agents[0])
    b.get_user(agents[1])
    assert fake.calls_to("/oauth/token") == 1
    assert (a.stats()["token_fetches"], b.stats().get("token_fetches", 0)) == (1, 0)
    token = a._token
    assert token and token == b._token
    row = _row(two_apps[0])
    assert row.fetches == 1 and row.lease_owner is None
    assert token not in row.ciphertext  # encrypted at rest
    assert token not in caplog.text  # and never logged


def test_revoked_token_is_refreshed_once_for_both_apps(
    two_apps: list[Flask], fake: FakeGenesys
) -> None:
    a, b = (_client(app) for app in two_apps)
    agents = _agents(fake)
    a.get_user(agents[0])
    b.get_user(agents[1])
    fake.revoke_tokens()
    a.get_user(agents[2])  # 401: a fetches the next token
    b.get_user(agents[3])  # 401 with the old one: b reads a's, fetches nothing
    assert fake.calls_to("/oauth/token") == 2
    assert a._token == b._token and _row(two_apps[0]).fetches == 2


def test_concurrent_first_calls_in_two_apps_fetch_one_token(
    two_apps: list[Flask], fake: FakeGenesys
) -> None:
    clients = [_client(app) for app in two_apps]
    agents = _agents(fake)
    start = threading.Barrier(len(agents))

    def call(i: int) -> None:
        start.wait()
        clients[i % 2].get_user(agents[i])

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(agents))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fake.calls_to("/oauth/token") == 1
    assert fake.calls_to("/api/v2/users/*") == len(agents)


def test_an_expired_shared_token_is_replaced(two_apps: list[Flask], fake: FakeGenesys) -> None:
    fake.token_ttl = 1  # refresh a tenth of the lifetime early
    a, b = (_client(app) for app in two_apps)
    agents = _agents(fake)
    a.get_user(agents[0])
    time.sleep(1.0)
    b.get_user(agents[1])  # the stored token is past its refresh time: b fetches
    assert fake.calls_to("/oauth/token") == 2
    assert fake.calls_to("/api/v2/users/*") == 2  # never sent with an expired token


def test_a_genesys_call_inside_a_job_transaction_does_not_wait_on_itself(
    two_apps: list[Flask], fake: FakeGenesys
) -> None:
    """SQLite: a job holds the write lock for its whole transaction; the limits must not."""
    app = two_apps[0]
    client = _client(app)
    started = time.monotonic()
    with get_db(app).session_scope() as s:
        s.add(SharedToken(key="x" * 64, ciphertext="", fetches=0))  # this transaction writes
        s.flush()
        client.get_user(_agents(fake)[0])  # token fetch and budget write from inside it
    assert time.monotonic() - started < 5.0
    assert fake.calls_to("/oauth/token") == 1


def test_the_llm_budget_is_one_for_every_process(database_url: str) -> None:
    from service.llm.budget import TOKEN_UNIT, SharedMinuteBudget

    name = "llm" + uuid.uuid4().hex[:12]
    engines = [create_engine(database_url) for _ in range(2)]
    a, b = (SharedMinuteBudget(name, 100, 100 * TOKEN_UNIT, e) for e in engines)
    try:
        a.acquire(250)  # 3 units of 100 tokens (rounded up)
        b.acquire(1)  # 1 unit
        assert a.requests and b.requests and a.tokens and b.tokens
        assert b.requests._get_limiter().buckets()[0].count() == 2  # both processes' requests
        assert b.tokens._get_limiter().buckets()[0].count() == 4
        assert a.tokens.shared and b.requests.shared
    finally:
        for budget in (a, b):
            for part in (budget.requests, budget.tokens):
                if part is not None:
                    part.close()
        for e in engines:
            e.dispose()
