"""Chat completions against any OpenAI-compatible endpoint (vLLM, Ollama, Azure, OpenAI).

Structured output uses ``json_schema`` where the server supports it and JSON mode otherwise.
Retries (429 with Retry-After, 5xx, timeouts) are ours, with a hard cap, so the SDK's own retry
loop is off. Refusals, content filtering and truncated output become typed errors, never a
silent default.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import openai
from openai.types.chat import ChatCompletion
from sqlalchemy.engine import Engine

from service.limits.rules import retry_after_seconds
from service.llm.budget import MinuteBudget, SharedMinuteBudget
from service.llm.strict import record_fallback
from service.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class ChatResult:
    """One successful completion, with what the audit trail needs."""

    content: str
    finish_reason: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float
    mode: str
    request: dict[str, Any] = field(default_factory=dict)
    response: dict[str, Any] = field(default_factory=dict)


class LlmError(Exception):
    """The model did not give a usable answer; ``kind`` says why."""

    kind = "error"

    def __init__(self, detail: str, *, result: ChatResult | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.result = result


class LlmRefused(LlmError):
    kind = "refusal"


class LlmContentFiltered(LlmError):
    kind = "content_filter"


class LlmTruncated(LlmError):
    kind = "truncated"


class LlmRejected(LlmError):
    """A 4xx other than 429: configuration or request problem; retrying will not help."""

    kind = "rejected"


class LlmUnavailable(LlmError):
    """429s, 5xx or timeouts outlasted every retry."""

    kind = "unavailable"

    def __init__(
        self, detail: str, *, retry_after: float | None = None, throttled: bool = False
    ) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        # True when the server asked for a wait longer than we sleep in-process: a job is
        # deferred until then without spending an attempt.
        self.throttled = throttled


class ChatModel(Protocol):
    """What the scoring engine needs from an LLM."""

    model: str

    def complete_json(
        self, messages: list[dict[str, str]], schema: dict[str, Any], *, name: str, max_tokens: int
    ) -> ChatResult: ...


def _retry_after(exc: openai.APIStatusError) -> float | None:
    """The wait the server asked for (``retry-after-ms``, ``Retry-After`` seconds or date)."""
    return retry_after_seconds(exc.response.headers)


def estimate_tokens(messages: list[dict[str, str]]) -> int:
    """A cheap upper-ish estimate (4 characters a token) for the budget."""
    return sum(len(m.get("content") or "") for m in messages) // 4 + 8 * len(messages)


class OpenAIChat:
    """The ``ChatModel`` over the ``openai`` package."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        model: str,
        timeout: float = 60.0,
        max_retries: int = 4,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        budget: MinuteBudget | SharedMinuteBudget | None = None,
        inline_wait_max: float = 30.0,
        response_format: str = "auto",
        sleep: Callable[[float], None] = time.sleep,
        default_headers: dict[str, str] | None = None,
    ) -> None:
        self.model = model
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.budget = budget
        self.inline_wait_max = inline_wait_max
        self.mode = "json_schema" if response_format == "auto" else response_format
        self._fallback_allowed = response_format == "auto"
        self._sleep = sleep
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",
            timeout=timeout,
            max_retries=0,
            default_headers=default_headers,
            # The SDK follows redirects by default, re-sending the prompt (and the key) there.
            http_client=openai.DefaultHttpxClient(follow_redirects=False),
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, engine: Engine | None = None, **overrides: Any
    ) -> OpenAIChat:
        """Build from ``QM_LLM_*``; raises ``LlmRejected`` when not configured.

        With ``engine`` the request and token budgets are shared by every process on that
        database (one budget per endpoint and model).
        """
        if not settings.llm_base_url or not settings.llm_model:
            raise LlmRejected("QM_LLM_BASE_URL and QM_LLM_MODEL must be set")
        args: dict[str, Any] = {
            "base_url": settings.llm_base_url,
            "api_key": settings.llm_api_key.get_secret_value(),
            "model": settings.llm_model,
            "timeout": settings.llm_timeout_seconds,
            "max_retries": settings.llm_max_retries,
            "backoff_base": settings.llm_backoff_base_seconds,
            "backoff_max": settings.llm_backoff_max_seconds,
            "budget": SharedMinuteBudget(
                "llm_"
                + hashlib.sha256(
                    f"{settings.llm_base_url}\n{settings.llm_model}".encode()
                ).hexdigest()[:16],
                settings.llm_requests_per_minute,
                settings.llm_tokens_per_minute,
                engine,
            ),
            "inline_wait_max": settings.retry_after_inline_max_seconds,
            "response_format": settings.llm_response_format,
        }
        args.update(overrides)
        return cls(**args)

    def _request(
        self, messages: list[dict[str, str]], schema: dict[str, Any], name: str, max_tokens: int
    ) -> dict[str, Any]:
        if self.mode == "json_schema":
            fmt: dict[str, Any] = {
                "type": "json_schema",
                "json_schema": {"name": name, "schema": schema, "strict": True},
            }
        else:
            # JSON mode does not carry the schema: the model reads it from the system prompt.
            fmt = {"type": "json_object"}
            messages = [dict(m) for m in messages]
            messages[0]["content"] += "\nJSON Schema of the answer:\n" + json.dumps(schema)
        return {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": max_tokens,
            "response_format": fmt,
        }

    def complete_json(
        self, messages: list[dict[str, str]], schema: dict[str, Any], *, name: str, max_tokens: int
    ) -> ChatResult:
        """One JSON completion; raises an ``LlmError`` subclass on every unusable outcome."""
        attempt = 0
        while True:
            request = self._request(messages, schema, name, max_tokens)
            try:
                return self._call(request)
            except openai.BadRequestError as exc:
                if self._fallback_allowed and self.mode == "json_schema" and _format_error(exc):
                    record_fallback(self.model, str(exc)[:300])
                    self.mode = "json_object"
                    continue
                raise LlmRejected(f"the LLM server rejected the request: {exc}") from exc
            except (openai.RateLimitError, openai.InternalServerError) as exc:
                self._defer_if_long(exc)
                delay = self._delay(attempt, _retry_after(exc))
                error: Exception = exc
            except (openai.APITimeoutError, openai.APIConnectionError) as exc:
                delay = self._delay(attempt, None)
                error = exc
            except openai.APIStatusError as exc:
                if exc.status_code < 500:
                    redirect = " (a redirect; not followed)" if exc.status_code < 400 else ""
                    raise LlmRejected(
                        f"the LLM server answered {exc.status_code}{redirect}"
                    ) from exc
                self._defer_if_long(exc)
                delay = self._delay(attempt, _retry_after(exc))
                error = exc
            except openai.APIError as exc:  # an unreadable body (a proxy's HTML page, ...)
                raise LlmError(f"unusable answer from the LLM server: {exc}") from exc
            attempt += 1
            if attempt > self.max_retries:
                hint = _retry_after(error) if isinstance(error, openai.APIStatusError) else None
                raise LlmUnavailable(
                    f"LLM unavailable after {attempt} attempts: {type(error).__name__}",
                    retry_after=hint,
                ) from error
            log.warning("LLM call failed, retrying", extra={"error": type(error).__name__})
            self._sleep(delay)

    def _defer_if_long(self, exc: openai.APIStatusError) -> None:
        """Raise ``LlmUnavailable(throttled=True)`` when the asked wait exceeds the inline cap."""
        wait = _retry_after(exc)
        if wait is not None and wait > self.inline_wait_max:
            raise LlmUnavailable(
                f"the LLM server answered {exc.status_code} and asked to wait {wait:.0f} s",
                retry_after=wait,
                throttled=True,
            ) from exc

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after  # already within [0, inline_wait_max]: the server's own time
        base = min(self.backoff_base * (2**attempt), self.backoff_max)
        return base / 2 + random.uniform(0, base / 2)  # jitter spreads retries of many workers

    def _call(self, request: dict[str, Any]) -> ChatResult:
        estimate = estimate_tokens(request["messages"]) + int(request["max_tokens"])
        if self.budget:
            self.budget.acquire(estimate)
        started = time.perf_counter()
        completion = self._client.chat.completions.create(**request)
        latency = (time.perf_counter() - started) * 1000
        if not isinstance(completion, ChatCompletion):
            # The SDK hands back the raw text when the body is not JSON (a proxy's error page).
            raise LlmError(f"the LLM server answered something else: {str(completion)[:200]!r}")
        usage = completion.usage
        prompt_tokens = usage.prompt_tokens if usage else 0
        completion_tokens = usage.completion_tokens if usage else 0
        if self.budget and usage:
            self.budget.settle(estimate, prompt_tokens + completion_tokens)
        if not completion.choices:
            raise LlmError("the LLM answered without choices")
        choice = completion.choices[0]
        result = ChatResult(
            content=choice.message.content or "",
            finish_reason=str(choice.finish_reason or ""),
            model=completion.model or self.model,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            latency_ms=latency,
            mode=self.mode,
            request=request,
            response=completion.model_dump(mode="json"),
        )
        return _check(result, getattr(choice.message, "refusal", None))


def _check(result: ChatResult, refusal: str | None) -> ChatResult:
    if refusal:
        raise LlmRefused(f"the model refused: {refusal[:200]}", result=result)
    if result.finish_reason == "content_filter":
        raise LlmContentFiltered("the provider's content filter blocked the answer", result=result)
    if result.finish_reason == "length":
        raise LlmTruncated("the answer was cut off at the token limit", result=result)
    return result


def _format_error(exc: openai.BadRequestError) -> bool:
    text = str(exc).lower()
    return "response_format" in text or "json_schema" in text
