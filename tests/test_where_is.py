"""docs/where-is.md names only functions that exist: every `module:function` reference imports."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parent.parent / "docs" / "where-is.md"
REFERENCE = re.compile(r"`(service(?:\.\w+)+):(\w+(?:\.\w+)*)`")


def references() -> list[tuple[str, str]]:
    return REFERENCE.findall(PAGE.read_text(encoding="utf-8"))


def resolve(module: str, name: str) -> object:
    target: object = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def test_the_page_names_the_main_rules() -> None:
    names = {f"{m}:{n}" for m, n in references()}
    for wanted in (
        "service.coaching.rules:below_threshold",
        "service.coaching.rules:weighted_totals",
        "service.coaching.rules:cap_reached",
        "service.coaching.rules:add_business_days",
        "service.jobs.rules:retry_delay",
        "service.genesys.rules:parse_retry_after",
        "service.scoring.evidence:verify",
        "service.transcripts.rules:redaction_regex",
        "service.reliability.stats:icc",
        "service.calibration.reveal:may_see_score",
        "service.auth.matrix:access",
        "service.sentiment.rules:classify",
        "service.boundary:bad_text",
        "service.system.readiness:run_checks",
    ):
        assert wanted in names


@pytest.mark.parametrize(("module", "name"), references())
def test_every_reference_exists(module: str, name: str) -> None:
    target = resolve(module, name)
    assert callable(target) or isinstance(target, property), f"{module}:{name} is not a function"


def test_a_moved_function_fails() -> None:
    with pytest.raises(AttributeError):
        resolve("service.coaching.rules", "no_such_rule")
