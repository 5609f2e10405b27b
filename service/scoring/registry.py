"""Which scorecard is current: a YAML file (reloaded when it changes) or a Genesys form."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from service.scoring.prompt import PROMPTS
from service.scoring.scorecard import Scorecard, ScorecardError, from_genesys_form, load_yaml

_lock = threading.Lock()
_yaml_cache: dict[str, tuple[float, Scorecard]] = {}


def _from_yaml(path: str) -> Scorecard:
    try:
        mtime = Path(path).stat().st_mtime
    except OSError as exc:
        raise ScorecardError(f"cannot read scorecard {path}: {exc}") from exc
    with _lock:
        cached = _yaml_cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
    card = load_yaml(path)
    with _lock:
        _yaml_cache[path] = (mtime, card)
    return card


def current_scorecard(ref: str, api: Any | None) -> Scorecard:
    """Resolve ``QM_SCORING_SCORECARD``; raises ``ScorecardError`` when unusable.

    ``genesys:<formId>`` reads the most recent published version of the form (the id may be
    the form's context id); a new version has a new id and so a new prompt.
    """
    if not ref:
        raise ScorecardError("QM_SCORING_SCORECARD is not set")
    if ref.startswith("genesys:"):
        if api is None:
            raise ScorecardError("a Genesys form is configured but Genesys is not")
        return from_genesys_form(api.get_published_form(ref.split(":", 1)[1]))
    return _from_yaml(ref)


def invalidate() -> None:
    """Forget cached scorecards and prompts (the scorecard-modified webhook calls this)."""
    with _lock:
        _yaml_cache.clear()
    PROMPTS.invalidate()
