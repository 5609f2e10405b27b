"""LLM 429s against the fake chat server over HTTP: every Retry-After form decides the wait.

The client's sleep is recorded instead of slept, so each test shows the exact wait it chose.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from service.llm.client import LlmUnavailable, OpenAIChat
from service.scoring.engine import EngineConfig, score
from service.scoring.scorecard import Scorecard
from service.transcripts.rules import Transcript
from tests.scoring.conftest import GOOD_TURNS, plain


@pytest.fixture
def good() -> Transcript:
    return plain(*GOOD_TURNS)


def _http_date(seconds_from_now: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds_from_now), usegmt=True)


def _chat(fake_llm: Any, slept: list[float], **overrides: Any) -> OpenAIChat:
    args: dict[str, Any] = {"sleep": slept.append, "inline_wait_max": 60.0, "max_retries": 3}
    args.update(overrides)
    chat: OpenAIChat = fake_llm.chat(**args)
    return chat


def _complete(chat: OpenAIChat, card: Scorecard, good: Transcript) -> None:
    result = score(good, card, chat, EngineConfig())
    assert not result.retryable, result.review_reasons  # the retry after the wait succeeded


@pytest.mark.parametrize(
    ("mode", "low", "high"),
    [
        ("rate_limit:2", 2.0, 2.0),  # delta-seconds
        ("rate_limit:0.5", 0.5, 0.5),
        ("rate_limit:-4", 0.0, 0.0),  # negative: at once
        ("rate_limit_ms:1500", 1.5, 1.5),  # retry-after-ms alone
        ("rate_limit_ms:250:9", 0.25, 0.25),  # both headers: the milliseconds win
        ("rate_limit_ms:junk:3", 3.0, 3.0),  # unreadable milliseconds: the seconds
    ],
)
def test_each_header_form_sets_the_wait(
    fake_llm: Any, card: Scorecard, good: Transcript, mode: str, low: float, high: float
) -> None:
    slept: list[float] = []
    fake_llm.script(mode)
    _complete(_chat(fake_llm, slept), card, good)
    assert len(slept) == 1 and low <= slept[0] <= high


def test_http_date_is_waited_out_not_half_a_second(
    fake_llm: Any, card: Scorecard, good: Transcript
) -> None:
    slept: list[float] = []
    fake_llm.script("rate_limit:" + _http_date(20))
    _complete(_chat(fake_llm, slept), card, good)
    assert len(slept) == 1 and 18.5 <= slept[0] <= 20.5  # the date has whole seconds


def test_http_date_in_the_past_retries_at_once(
    fake_llm: Any, card: Scorecard, good: Transcript
) -> None:
    slept: list[float] = []
    fake_llm.script("rate_limit:" + _http_date(-30))
    _complete(_chat(fake_llm, slept), card, good)
    assert slept == [0.0]


def test_garbage_retry_after_falls_back_to_backoff(
    fake_llm: Any, card: Scorecard, good: Transcript
) -> None:
    slept: list[float] = []
    fake_llm.script("rate_limit:whenever")
    _complete(_chat(fake_llm, slept, backoff_base=0.01, backoff_max=0.2), card, good)
    assert len(slept) == 1 and 0.0 < slept[0] <= 0.2


@pytest.mark.parametrize(
    "mode", ["rate_limit:120", "rate_limit_ms:120000", "rate_limit:" + "{date}"]
)
def test_wait_beyond_the_inline_cap_is_handed_back_not_slept(
    fake_llm: Any, card: Scorecard, good: Transcript, mode: str
) -> None:
    slept: list[float] = []
    fake_llm.script(mode.replace("{date}", _http_date(120)))
    before = fake_llm.state.requests
    chat = _chat(fake_llm, slept, inline_wait_max=30.0)
    with pytest.raises(LlmUnavailable) as err:
        chat.complete_json(
            [{"role": "system", "content": "x"}, {"role": "user", "content": "y"}],
            {"type": "object"},
            name="probe",
            max_tokens=64,
        )
    assert slept == []  # no worker held
    assert fake_llm.state.requests - before == 1  # no early retry either
    assert err.value.throttled and err.value.retry_after is not None
    assert 118.5 <= err.value.retry_after <= 120.0


def test_wait_at_the_inline_cap_is_slept(fake_llm: Any, card: Scorecard, good: Transcript) -> None:
    slept: list[float] = []
    fake_llm.script("rate_limit:30")
    _complete(_chat(fake_llm, slept, inline_wait_max=30.0), card, good)
    assert slept == [30.0]


def test_the_engine_reports_the_deferral(fake_llm: Any, card: Scorecard, good: Transcript) -> None:
    slept: list[float] = []
    fake_llm.script("rate_limit:600")
    result = score(good, card, _chat(fake_llm, slept, inline_wait_max=30.0), EngineConfig())
    assert result.retryable and result.throttled and result.retry_after == 600.0
    assert result.review_reasons == ["llm_unavailable"] and slept == []
