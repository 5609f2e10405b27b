"""Evidence verification: exact, fuzzy, word-checked, speaker and turn checks; redaction."""

from __future__ import annotations

import pytest

from service.scoring.evidence import find_quote, redacted_phrase_turn, verify
from tests.scoring.conftest import plain

TURN = "OK, unfortunately because it has been more than 90 days we cannot accept the return."


@pytest.mark.parametrize(
    ("quote", "ok"),
    [
        ("we cannot accept the return", True),
        ("We CANNOT accept the return!", True),  # case and punctuation
        ("unfortunately  because it has", True),  # whitespace
        ("more than 90 days we cannot acept the return", True),  # one typo in a long word
        ("we can accept the return", False),  # meaning flipped
        ("we cannot accept the refund", False),  # a different word
        ("we will happily accept the return", False),
        ("because it has been more than 90 days we accept the return", False),  # "not" dropped
        ("unfortunately it has been more than 90 days", True),  # one filler word dropped
        ("90 days", True),
        ("91 days", False),  # short quotes must match exactly
        ("", False),
    ],
)
def test_find_quote(quote, ok):
    assert find_quote(quote, TURN).verified is ok


def test_span_points_into_the_original_text():
    m = find_quote("we cannot accept the return", TURN)
    assert TURN[m.start : m.end] == "we cannot accept the return"


def test_verify_checks_turn_range_and_speaker():
    t = plain(("agent", "Hello there"), ("customer", "I want a refund please"))
    assert verify(t, 5, "Hello").reason == "turn_out_of_range"
    assert verify(t, -1, "Hello").reason == "turn_out_of_range"
    assert verify(t, 1, "a refund").reason == "wrong_speaker"
    assert verify(t, 1, "a refund", ("agent", "customer")).verified
    assert verify(t, 0, "Hello").verified


def test_redacted_disclosure_detection():
    t = plain(
        ("agent", "Hi. Please note this call may be [REDACTED] for quality purposes."),
        ("agent", "Your card [REDACTED] is on file."),
    )
    assert (
        redacted_phrase_turn(t, "this call may be recorded for quality purposes", ("agent",)) == 0
    )
    assert redacted_phrase_turn(t, "we will never share your data", ("agent",)) is None
    # a redaction elsewhere in the turn does not excuse a missing disclosure
    assert redacted_phrase_turn(t, "your call is important to us", ("agent",)) is None


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from service.scoring.evidence import normalize  # noqa: E402

WORDS = st.lists(
    st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N"]), min_size=1, max_size=8),
    min_size=1,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(words=WORDS, data=st.data())
def test_any_true_quote_verifies_and_its_span_holds_it(words, data):
    text = " ".join(words) + "."
    lo = data.draw(st.integers(0, len(words) - 1))
    hi = data.draw(st.integers(lo + 1, len(words)))
    quote = " ".join(words[lo:hi])
    m = find_quote(quote, text)
    assert m.verified
    assert normalize(quote) in normalize(text[m.start : m.end])
