"""The governance commands on a migrated SQLite database."""

from __future__ import annotations

from click.testing import CliRunner
from cryptography.fernet import Fernet

from service.cli import main


def test_purge_erase_forget_and_rotate_commands(tmp_path, monkeypatch):
    monkeypatch.setenv("QM_DATABASE_URL", f"sqlite:///{tmp_path / 'g.db'}")
    monkeypatch.setenv("QM_INSTANCE_PATH", str(tmp_path / "instance"))
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    dry = runner.invoke(main, ["erase", "--user", "agent-1", "--dry-run"])
    assert dry.exit_code == 0 and "would remove" in dry.output and "total: 0" in dry.output
    purge = runner.invoke(main, ["purge"])
    assert purge.exit_code == 0 and "removed" in purge.output
    forget = runner.invoke(main, ["forget", "--evaluation", "e1", "--dry-run"])
    assert forget.exit_code == 0, forget.output
    key = runner.invoke(main, ["encryption", "keygen"]).output.strip()
    Fernet(key.encode())  # a valid key
    monkeypatch.setenv("QM_GOVERNANCE_ENCRYPTION_KEYS", key)
    rotate = runner.invoke(main, ["encryption", "rotate"])
    assert rotate.exit_code == 0 and "re-encrypted: 0" in rotate.output
