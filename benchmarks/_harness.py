"""Shared benchmark plumbing: databases, gunicorn processes, wrk and an open-loop load generator."""

from __future__ import annotations

import base64
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get(
    "QM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
CLIENT_ID, CLIENT_SECRET = "bench", "bench-secret"
BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh, migrated database URL: ``postgresql`` (throwaway database) or ``sqlite``."""
    if kind == "sqlite":
        tmp = tempfile.mkdtemp(prefix="qmbench-")
        url = f"sqlite:///{tmp}/bench.db"
        _migrate(url)
        try:
            yield url
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    name = f"qmloop_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str) -> None:
    env = {**os.environ, **service_env(url)}
    subprocess.run(
        [sys.executable, "-m", "service.cli", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def service_env(url: str, **extra: str) -> dict[str, str]:
    """Environment for a service process on the given database."""
    return {
        "QM_DATABASE_URL": url,
        "QM_CLIENT_ID": CLIENT_ID,
        "QM_CLIENT_SECRET": CLIENT_SECRET,
        "QM_SECRET_KEY": "bench-key",
        "QM_LOG_LEVEL": "WARNING",
        "QM_INSTANCE_PATH": tempfile.mkdtemp(prefix="qmbench-inst-"),
        **extra,
    }


@contextmanager
def gunicorn(target: str, env: dict[str, str], workers: int = 2, threads: int = 4) -> Iterator[str]:
    """Run ``gunicorn target`` on a free port; yields the base URL."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--log-level",
        "warning",
        target,
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_up(url)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _wait_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/health", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not start")


def wrk(
    url: str, body: str, seconds: int = 10, connections: int = 16, threads: int = 2
) -> dict[str, float]:
    """Closed-loop maximum throughput with wrk; returns rps, p50_ms, p99_ms."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        escaped = body.replace("\\", "\\\\").replace('"', '\\"')
        fh.write(
            f'wrk.method = "POST"\nwrk.body = "{escaped}"\n'
            f'wrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "{BASIC}"\n'
        )
        script = fh.name
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            script,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script)
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx answers during the run:\n{out}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(out, "50%"),
        "p99_ms": _ms(out, "99%"),
    }


def _ms(out: str, label: str) -> float:
    m = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out)
    if not m:
        return float("nan")
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def open_loop(
    send: Callable[[int], int], rate: float, seconds: float, pool: int = 64
) -> dict[str, float]:
    """Send at a fixed rate regardless of answers (no coordinated omission); latency percentiles."""
    total = int(rate * seconds)
    latencies: list[float] = [0.0] * total
    statuses: list[int] = [0] * total
    start = time.monotonic() + 0.2

    def fire(i: int) -> None:
        due = start + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        statuses[i] = send(i)
        latencies[i] = (time.monotonic() - due) * 1000

    with ThreadPoolExecutor(pool) as ex:
        list(ex.map(fire, range(total)))
    elapsed = time.monotonic() - start
    ordered = sorted(latencies)
    return {
        "sent": total,
        "achieved_rps": total / elapsed,
        "p50_ms": statistics.median(ordered),
        "p99_ms": ordered[int(0.99 * (total - 1))],
        "max_ms": ordered[-1],
        "errors": sum(1 for s in statuses if s >= 400),
    }


_local = threading.local()


def raw_post(base: str, path: str, body: bytes) -> tuple[int, bytes]:
    """POST over one keep-alive connection per thread (far less client CPU than requests)."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        host, port = base.removeprefix("http://").split(":")
        conn = _local.conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("POST", path, body, {"Content-Type": "application/json", "Authorization": BASIC})
    resp = conn.getresponse()
    return resp.status, resp.read()
