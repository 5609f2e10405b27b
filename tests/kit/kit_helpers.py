"""Shared helpers of the kit tests: the checkout root and action files, copied for breaking,
and a copy of the kit's folders whose Terraform files a test edits."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

from service.kit import terraform
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


def copy_kit(dest: Path) -> Path:
    """Copy ``terraform/``, ``architect/`` and ``data_actions/`` under ``dest``; returns it."""
    for folder in ("terraform", "architect", "data_actions"):
        shutil.copytree(ROOT / folder, dest / folder)
    return dest


def edit_tf(root: Path, name: str, old: str, new: str) -> terraform.Config:
    """Replace the first ``old`` (which must be there) in ``terraform/<name>`` under ``root``;
    returns the configuration parsed again."""
    path = root / "terraform" / name
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return terraform.load(root)
