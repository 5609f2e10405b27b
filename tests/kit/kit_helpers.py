"""Shared helpers of the kit tests: the checkout root and action files, copied for breaking."""

from __future__ import annotations

import copy
from pathlib import Path

from service.kit.actions import Action, action_paths, load_action, load_actions

ROOT = Path(__file__).resolve().parents[2]
ACTION_FILES = action_paths(ROOT)
SLUGS = [p.stem for p in ACTION_FILES]


def action(slug: str) -> Action:
    """A fresh copy of one action, safe to break in a test."""
    loaded = load_action(ROOT / "data_actions" / f"{slug}.json")
    return Action(
        loaded.slug, loaded.path, copy.deepcopy(loaded.doc), copy.deepcopy(loaded.examples)
    )


def all_actions() -> list[Action]:
    """Every action of this checkout."""
    return load_actions(ROOT)
