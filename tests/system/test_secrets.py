"""No secret reaches the logs or the console, even at DEBUG: planted values are grepped for."""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import socket
import subprocess
import sys
import time

import pytest
import requests
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from service import create_app
from service.db import get_db
from service.fakes import llm as fake_llm
from service.fakes.genesys import FakeGenesys
from service.fakes.server import ServerThread
from service.genesys.api import GenesysError, GenesysNotFound
from service.genesys.client import GenesysClient
from service.llm.client import LlmError, OpenAIChat
from service.logs import redact_url
from service.settings import Settings

CLIENT_SECRET = "planted-client-secret-1d9f"
SIGNING_KEY = "planted-signing-key-77ab"
DB_PASSWORD = "planted-db-password-5c2e"
GENESYS_SECRET = "planted-genesys-secret-9e01"
LLM_KEY = "planted-llm-key-3b7d"
LMS_SECRET = "planted-lms-secret-a4c8"
PLANTED = [CLIENT_SECRET, SIGNING_KEY, DB_PASSWORD, GENESYS_SECRET, LLM_KEY, LMS_SECRET]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://qm:pw@db:5432/qm", "postgresql+psycopg://qm:***@db:5432/qm"),
        ("postgresql+psycopg://qm:p%40ss@db/qm", "postgresql+psycopg://qm:***@db/qm"),
        ("postgresql+psycopg://qm@db/qm", "postgresql+psycopg://qm@db/qm"),
        ("sqlite:////srv/qm/qmloop.db", "sqlite:////srv/qm/qmloop.db"),
        ("https://lms.example/hook?code=abc&team=7", "https://lms.example/hook?code=***&team=7"),
        ("https://h/x?api_key=1&Token=2&sig=3", "https://h/x?api_key=***&Token=***&sig=***"),
        ("https://user:@h/x", "https://user:***@h/x"),
        ("http://[::1", "***"),
    ],
)
def test_redact_url(url, shown):
    assert redact_url(url) == shown


def test_an_unusable_database_url_is_reported_without_its_password():
    with pytest.raises(ValueError) as failed:
        create_app(Settings(database_url="postgresql+nosuch://qm:planted-pw-01@db/qm"))
    assert "planted-pw-01" not in str(failed.value)
    assert "postgresql+nosuch://qm:***@db/qm" in str(failed.value)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, "qmloop serve exited"
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError("qmloop serve did not start")


@pytest.fixture
def fakes():
    genesys = FakeGenesys(seed=1, client_secret=GENESYS_SECRET).start()
    llm = ServerThread(fake_llm.create_app()).start()
    yield genesys, llm
    llm.stop()
    genesys.stop()


def _serve_env(database_url, tmp_path, genesys, llm, port):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QM_", "DATABASE_URL"))}
    env.update(
        {
            "PYTHONPATH": os.getcwd(),
            "QM_DATABASE_URL": database_url,
            "QM_INSTANCE_PATH": str(tmp_path / "instance"),
            "QM_CLIENT_ID": "genesys-integration",
            "QM_CLIENT_SECRET": CLIENT_SECRET,
            "QM_SECRET_KEY": SIGNING_KEY,
            "QM_GENESYS_API_HOST": genesys.url,
            "QM_GENESYS_CLIENT_ID": genesys.client_id,
            "QM_GENESYS_CLIENT_SECRET": GENESYS_SECRET,
            "QM_LLM_BASE_URL": f"{llm.url}/v1",
            "QM_LLM_API_KEY": LLM_KEY,
            "QM_LLM_MODEL": "fake-judge",
            "QM_LMS_WEBHOOK_URL": f"{llm.url}/hook?token={LMS_SECRET}",
            "QM_LMS_WEBHOOK_SECRET": LMS_SECRET,
            "QM_LOG_LEVEL": "DEBUG",
            "PORT": str(port),
        }
    )
    return env


def _exercise(base: str) -> str:
    """Get a token, use it, fail a login with a secret, ask readiness (fetches a Genesys token)."""
    basic = base64.b64encode(f"genesys-integration:{CLIENT_SECRET}".encode()).decode()
    resp = requests.post(
        f"{base}/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
        timeout=10,
    )
    token = resp.json()["access_token"]
    assert requests.get(f"{base}/api/v1/jobs", headers={"Authorization": f"Bearer {token}"}).ok
    wrong = base64.b64encode(b"genesys-integration:planted-wrong-guess-0f3a").decode()
    requests.post(f"{base}/oauth/token", headers={"Authorization": f"Basic {wrong}"}, timeout=10)
    requests.get(f"{base}/api/v1/jobs", headers={"Authorization": f"Bearer {token}x"}, timeout=10)
    assert requests.get(f"{base}/health/ready", timeout=10).status_code == 200
    return str(token)


def test_serve_at_debug_prints_and_logs_no_secret(database_url, backend, tmp_path, fakes):
    genesys, llm = fakes
    if backend == "postgresql":  # the local server trusts loopback, so any password connects
        database_url = make_url(database_url).set(password=DB_PASSWORD).render_as_string(False)
    port = _free_port()
    env = _serve_env(database_url, tmp_path, genesys, llm, port)
    qmloop = os.path.join(os.path.dirname(sys.executable), "qmloop")
    proc = subprocess.Popen(
        [qmloop, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/health", proc)
        issued = _exercise(f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=20)
    assert '"level": "DEBUG", "logger": "service.system.readiness"' in output  # really DEBUG
    genesys_tokens = list(genesys.tokens)
    assert genesys_tokens, "readiness did not fetch a Genesys token"
    for secret in [*PLANTED, "planted-wrong-guess-0f3a", issued, *genesys_tokens]:
        assert secret not in output, f"{secret[:12]}... leaked"
    if backend == "postgresql":
        banner = next(line for line in output.splitlines() if line.startswith("QM Loop on"))
        assert f"postgres:***@127.0.0.1:{make_url(database_url).port}" in banner


def test_in_process_debug_logs_hold_no_token_or_key(settings, fakes, caplog):
    genesys, llm = fakes
    caplog.set_level(logging.DEBUG)
    app = create_app(settings.model_copy(update={"client_secret": SecretStr(CLIENT_SECRET)}))
    try:
        client = app.test_client()
        basic = base64.b64encode(f"genesys-integration:{CLIENT_SECRET}".encode()).decode()
        resp = client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
        issued = resp.get_json()["access_token"]
    finally:
        get_db(app).dispose()
    chat = OpenAIChat(base_url=f"{llm.url}/v1", api_key=LLM_KEY, model="fake-judge")
    with contextlib.suppress(LlmError):
        chat.complete_json(
            [{"role": "user", "content": "hi"}], {"type": "object"}, name="x", max_tokens=64
        )
    signed = f"{genesys.url}/transcripts/c/x.json?Expires=1&Signature=planted-presigned-sig-61c0"
    client = GenesysClient(Settings(**genesys.settings_overrides(), genesys_max_retries=0))
    try:
        client.download_transcript(signed)
    except (GenesysError, GenesysNotFound) as exc:
        refused: Exception | None = exc  # the request went out and the fake refused it
    else:
        refused = None
    finally:
        client.close()
    assert refused is not None
    logged = "\n".join(
        f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.levelno >= logging.DEBUG
    )
    assert any(r.name.startswith("openai") for r in caplog.records)  # DEBUG really captured
    for secret in (CLIENT_SECRET, LLM_KEY, issued, "planted-presigned-sig-61c0", GENESYS_SECRET):
        assert secret not in logged
