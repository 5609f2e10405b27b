"""Every shell block of README.md and docs/*.md runs as written against a live ``qmloop serve``.

The convention (docs/README.md): a fenced block whose info string starts with ``sh``, ``bash``
or ``shell`` is run by this test with ``bash -e -o pipefail``, in order, one block at a time,
against ``qmloop serve`` on a fresh SQLite database, from a scratch copy of the checkout with
the virtual environment on ``PATH``. ``curl`` fails on an HTTP error status. ``localhost:8000``
becomes the test server's port. A block marked ``needs-genesys`` (needs a real Genesys org) or
``long-running`` (installs, servers, the full test suite, benchmarks) is not run.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELLS = {"sh", "bash", "shell"}
SKIP_MARKS = {"needs-genesys", "long-running"}
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.M | re.S)
COPIED = ["examples", "data_actions", "architect", "terraform", "docs"]
BLOCK_TIMEOUT = 240

pytestmark = [pytest.mark.sqlite_only, pytest.mark.slow]


def shell_blocks(path: Path) -> list[tuple[str, list[str], str]]:
    """``(where, marks, code)`` of each shell block of a Markdown file."""
    text = path.read_text(encoding="utf-8")
    out = []
    for match in FENCE.finditer(text):
        words = match.group(1).split()
        if not words or words[0] not in SHELLS:
            continue
        line = text.count("\n", 0, match.start()) + 1
        out.append((f"{path.relative_to(ROOT)}:{line}", words[1:], match.group(2)))
    return out


ALL_BLOCKS = [block for guide in GUIDES for block in shell_blocks(guide)]
RUNNABLE = [b for b in ALL_BLOCKS if not SKIP_MARKS & set(b[1])]


def test_marks_are_known():
    """A typo in a mark would silently run (or skip) a block."""
    for where, marks, _code in ALL_BLOCKS:
        assert set(marks) <= SKIP_MARKS, f"{where}: unknown mark(s) {marks}; see docs/README.md"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A scratch checkout and ``qmloop serve`` on a fresh SQLite database in it."""
    work = tmp_path_factory.mktemp("docs-run")
    for name in COPIED:
        shutil.copytree(ROOT / name, work / name)
    for path in ROOT.iterdir():
        if path.is_file() and not path.name.startswith("."):
            shutil.copy2(path, work / path.name)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QM_")}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(ROOT),
        QM_LOG_JSON="false",
    )
    log = (work / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    _wait_for(f"http://127.0.0.1:{port}/health", server, work / "serve.log")
    yield work, port, env
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)
    log.close()


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"qmloop serve exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"qmloop serve did not answer: {log.read_text()}")


PRELUDE = 'curl() { command curl --fail-with-body "$@"; }\n'


@pytest.mark.parametrize(("where", "marks", "code"), RUNNABLE, ids=[b[0] for b in RUNNABLE])
def test_block_runs_as_written(live, tmp_path, where, marks, code):
    work, port, env = live
    script = re.sub(r"(localhost|127\.0\.0\.1):8000\b", f"127.0.0.1:{port}", code)
    out_path = tmp_path / "block.out"
    # Output goes to a file: a background helper keeps a pipe open after the block ends.
    with out_path.open("wb") as out:
        proc = subprocess.Popen(
            ["bash", "-e", "-o", "pipefail", "-c", PRELUDE + script],
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=BLOCK_TIMEOUT)
        finally:
            # A block may start background processes (a fake LLM, a fake Genesys): end them all.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
    text = out_path.read_text(errors="replace")
    assert proc.returncode == 0, f"{where} failed (exit {proc.returncode}):\n{script}\n---\n{text}"
    assert "Traceback" not in text, f"{where}:\n{text}"
