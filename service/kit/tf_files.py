"""Check the files under ``terraform/`` as files: ``terraform fmt`` and what must not be committed
(state, plans, local tfvars, the provider cache, a debug flag, a secret in a tfvars file)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from service.kit.terraform import SECRET_NAMES


def check_fmt(root: Path) -> tuple[bool | None, str]:
    """``terraform fmt -check``: None when terraform is not installed."""
    binary = shutil.which("terraform")
    if binary is None:
        return None, "terraform not installed"
    proc = subprocess.run(
        [binary, "fmt", "-check", "-recursive", "-no-color", str(root / "terraform")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc.returncode == 0, proc.stdout.strip()


def tracked_files(root: Path) -> list[Path]:
    """Files under ``terraform/`` that git tracks (every file when this is not a git checkout)."""
    tf = root / "terraform"
    git = shutil.which("git")
    if git is not None:
        proc = subprocess.run(
            [git, "-C", str(root), "ls-files", "-z", "--", "terraform"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if proc.returncode == 0:
            return [root / name for name in proc.stdout.split("\0") if name]
    return [p for p in tf.rglob("*") if p.is_file()]


def check_committed_files(root: Path) -> list[str]:
    """No state, plan, local tfvars or provider cache; no debug flag; no secret in tfvars."""
    problems = []
    for path in tracked_files(root):
        rel = path.relative_to(root)
        name = path.name
        if (
            ".terraform" in rel.parts
            or ".tfstate" in name
            or name.endswith(".tfplan")
            or name == "terraform.tfvars"
            or name.endswith(".auto.tfvars")
        ):
            problems.append(f"{rel} must not be committed")
        elif name.endswith(".tf") and re.search(r"sdk_debug\s*=\s*true", path.read_text("utf-8")):
            problems.append(f"{rel}: sdk_debug = true")
        elif name.endswith(".tfvars"):
            problems += _secrets_in_tfvars(path, rel)
    return problems


def _secrets_in_tfvars(path: Path, rel: Path) -> list[str]:
    problems = []
    for line in path.read_text(encoding="utf-8").splitlines():
        key = line.split("=", 1)[0].strip()
        if "=" in line and not line.lstrip().startswith("#") and SECRET_NAMES.search(key):
            problems.append(f"{rel}: {key} holds a secret")
    return problems
