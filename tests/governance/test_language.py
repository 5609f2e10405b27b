"""Scoring a transcript in a language the scorecard does not declare goes to review."""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml

from service.governance.rules import language_supported
from service.scoring.engine import EngineConfig, score
from service.scoring.scorecard import ScorecardError, from_dict
from tests.scoring.conftest import EXAMPLES, GOOD_TURNS, plain


@pytest.mark.parametrize(
    ("language", "declared", "ok"),
    [
        ("en-US", ["en"], True),  # a bare language covers its regions
        ("EN_us", ["en-US"], True),  # case and underscore
        ("en-GB", ["en-US"], False),  # a declared region covers only itself
        ("de-DE", ["en", "fr"], False),
        ("", ["en"], True),  # unknown language: cannot tell, scored
        ("de-DE", [], True),  # nothing declared: any language
    ],
)
def test_language_supported_table(language, declared, ok):
    assert language_supported(language, declared) is ok


def test_other_language_goes_to_review_without_asking_the_model(fake_llm, card):
    card = replace(card, languages=("en",))
    t = plain(*GOOD_TURNS, language="de-DE")
    before = len(fake_llm.bodies)
    result = score(t, card, fake_llm.chat(), EngineConfig())
    assert result.needs_review and result.review_reasons == ["language_unsupported"]
    assert result.percentage is None and len(fake_llm.bodies) == before
    assert all(i.excluded and i.note == "language_unsupported" for i in result.items)


def test_declared_language_and_policy_override_are_scored(fake_llm, card):
    card = replace(card, languages=("en",))
    ok = score(plain(*GOOD_TURNS, language="en-US"), card, fake_llm.chat(), EngineConfig())
    assert "language_unsupported" not in ok.review_reasons
    allowed = score(
        plain(*GOOD_TURNS, language="de-DE"),
        card,
        fake_llm.chat(),
        EngineConfig(allow_other_languages=True),
    )
    assert "language_unsupported" not in allowed.review_reasons and allowed.percentage


def test_scorecard_languages_must_be_a_list_of_tags():
    base = yaml.safe_load((EXAMPLES / "scorecards" / "retail_support.yaml").read_text())
    assert from_dict({**base, "languages": ["en", "fr-CA"]}).languages == ("en", "fr-CA")
    for bad in ("en", [""], [3]):
        with pytest.raises(ScorecardError, match="languages"):
            from_dict({**base, "languages": bad})
