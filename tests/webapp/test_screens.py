"""Browser tests' screenshots: a temporary folder unless QM_SCREENSHOTS names one."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.webapp import screens

DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


class FakePage:
    """What ``screenshot`` uses of a Playwright page."""

    def screenshot(self, path: str, full_page: bool) -> None:
        assert full_page
        Path(path).write_bytes(b"\x89PNG")


@pytest.fixture
def fresh_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``screenshot_dir`` chosen again for the test, and again after it; TAKEN kept."""
    taken = list(screens.TAKEN)
    screens.screenshot_dir.cache_clear()
    yield
    monkeypatch.undo()
    screens.screenshot_dir.cache_clear()
    screens.TAKEN[:] = taken


def test_by_default_a_temporary_folder_not_the_docs(
    fresh_dir: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(screens.ENV, raising=False)
    path = screens.screenshot(FakePage(), "login")
    assert path.exists() and path.name == "login.png"
    assert Path(tempfile.gettempdir()) in path.parents
    assert DOCS_SHOTS not in path.parents


def test_qm_screenshots_names_the_folder(
    fresh_dir: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(screens.ENV, str(tmp_path / "shots"))
    path = screens.screenshot(FakePage(), "login")
    assert path == tmp_path / "shots" / "login.png" and path.exists()
    assert screens.TAKEN[-1] == path
