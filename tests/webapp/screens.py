"""Screenshots of the browser tests: ``screenshot(page, name)``.

They go to a fresh temporary folder by default, so a test run leaves the checkout clean, and to
the folder named by ``QM_SCREENSHOTS`` when set; refresh the documentation's pictures with
``QM_SCREENSHOTS=docs/screenshots python -m pytest tests/webapp``. The run's summary names the
folder (``tests/webapp/conftest.py``).
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path
from typing import Any

ENV = "QM_SCREENSHOTS"
TAKEN: list[Path] = []


@functools.cache
def screenshot_dir() -> Path:
    """``$QM_SCREENSHOTS`` (relative to the working folder), or one temporary folder per run;
    created when missing."""
    chosen = os.environ.get(ENV, "").strip()
    folder = Path(chosen) if chosen else Path(tempfile.mkdtemp(prefix="qmloop-screenshots-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page PNG of a Playwright ``page`` as ``<name>.png``; returns its path."""
    path = screenshot_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    TAKEN.append(path)
    return path
