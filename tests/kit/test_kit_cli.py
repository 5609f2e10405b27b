"""``qmloop kit check``: one line per check, a summary, exit 1 on any failure."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from service.kit.cli import kit
from service.kit.contracts import registry
from tests.kit.kit_helpers import ROOT, SLUGS

LINE = re.compile(
    r"^(PASS|FAIL|SKIP|WARN)  \S.*$|^      - .+$|^$"
    r"|^\d+ passed, \d+ failed, \d+ warnings, \d+ skipped$"
)


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(kit, ["check", *args], color=False)
    return result.exit_code, result.output


def test_check_reports_every_part_and_fails_only_on_failures() -> None:
    code, output = _run("--root", str(ROOT))
    lines = output.splitlines()
    assert all(LINE.match(line) for line in lines), output
    for part in ("action ", "contract ", "live ", "flow ", "terraform: "):
        assert any(line[6:].startswith(part) for line in lines), part
    failed = [line for line in lines if line.startswith("FAIL")]
    assert code == (1 if failed else 0)
    if set(SLUGS) <= set(registry()):  # once every endpoint exists, the kit must be green
        assert failed == [], output


def test_no_live_skips_the_http_runs() -> None:
    _, output = _run("--root", str(ROOT), "--no-live")
    assert "SKIP  live runs" in output and "live normalize-score" not in output


def test_a_broken_template_fails_the_check(checkout: Path) -> None:
    path = checkout / "data_actions" / "check-duplicate.json"
    path.write_text(
        path.read_text().replace("$esc.jsonString(${input.agentId})", "${input.agentId}")
    )
    code, output = _run("--root", str(checkout), "--no-live")
    assert code == 1
    assert "FAIL  action check-duplicate: file shape and escaping" in output
    assert "input.agentId without $esc.jsonString" in output


def test_not_a_checkout_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _run("--root", str(tmp_path))
    assert code == 2 and "no data_actions/" in output


def test_url_needs_credentials() -> None:
    code, output = _run("--root", str(ROOT), "--url", "https://qm.example.com")
    assert code == 2 and "QM_KIT_CLIENT_SECRET" in output
