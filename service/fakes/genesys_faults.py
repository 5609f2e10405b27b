"""Fault switches and the per-token request budget of the fake Genesys.

Each switch applies to paths matching a shell-style pattern (``fnmatch``, default ``/api/*``).
"""

from __future__ import annotations

import fnmatch
import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Rule:
    pattern: str
    remaining: int
    status: int = 503
    retry_after: float | str | None = None  # seconds, or a header value sent as is
    delay: float = 0.0


@dataclass
class Decision:
    """What to do with one request before it reaches its handler."""

    drop: bool = False
    delay: float = 0.0
    status: int = 0
    retry_after: float | str | None = None  # seconds, or a header value sent as is


@dataclass
class Faults:
    """Thread-safe fault state; the FakeGenesys object and ``/__fake__/faults`` both drive it."""

    fail_rules: list[_Rule] = field(default_factory=list)
    drop_rules: list[_Rule] = field(default_factory=list)
    latency: list[_Rule] = field(default_factory=list)
    chaos_probability: float = 0.0
    chaos_pattern: str = "/api/*"
    chaos_rng: random.Random = field(default_factory=random.Random)
    rate_limit_per_minute: int = 0
    rate_window_seconds: float = 60.0
    _windows: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(
        self,
        n: int,
        status: int = 503,
        pattern: str = "/api/*",
        retry_after: float | str | None = None,
    ) -> None:
        """Answer the next ``n`` matching requests with ``status`` and an optional Retry-After.

        ``retry_after`` is seconds, or a string sent verbatim (an HTTP date, garbage).
        """
        with self._lock:
            self.fail_rules.append(_Rule(pattern, n, status, retry_after))

    def drop_next(self, n: int, pattern: str = "/api/*") -> None:
        """Close the connection of the next ``n`` matching requests without answering."""
        with self._lock:
            self.drop_rules.append(_Rule(pattern, n))

    def set_latency(self, seconds: float, pattern: str = "/api/*", n: int | None = None) -> None:
        """Delay matching answers by ``seconds``: the next ``n`` only, or all (0 s removes)."""
        with self._lock:
            self.latency = [r for r in self.latency if r.pattern != pattern]
            if seconds > 0:
                remaining = n if n is not None else 1 << 62
                self.latency.append(_Rule(pattern, remaining, delay=seconds))

    def chaos(self, probability: float, seed: int = 0, pattern: str = "/api/*") -> None:
        """Fail matching requests at random (5xx, 429 or a dropped connection), seeded."""
        with self._lock:
            self.chaos_probability = probability
            self.chaos_pattern = pattern
            self.chaos_rng = random.Random(seed)

    def rate_limit(self, per_minute: int, window_seconds: float = 60.0) -> None:
        """Answer 429 once a token made ``per_minute`` requests in the window (0 turns it off)."""
        with self._lock:
            self.rate_limit_per_minute = per_minute
            self.rate_window_seconds = window_seconds
            self._windows.clear()

    def clear(self) -> None:
        """Turn every fault off."""
        with self._lock:
            self.fail_rules.clear()
            self.drop_rules.clear()
            self.latency.clear()
            self.chaos_probability = 0.0
            self.rate_limit_per_minute = 0
            self._windows.clear()

    def apply(self, kind: str, params: dict[str, Any]) -> None:
        """Apply a switch by name (the control endpoint's body)."""
        actions = {
            "fail": lambda: self.fail_next(
                int(params.get("n", 1)),
                int(params.get("status", 503)),
                params.get("pattern", "/api/*"),
                params.get("retryAfter"),
            ),
            "drop": lambda: self.drop_next(
                int(params.get("n", 1)), params.get("pattern", "/api/*")
            ),
            "latency": lambda: self.set_latency(
                float(params.get("seconds", 0)),
                params.get("pattern", "/api/*"),
                int(params["n"]) if params.get("n") is not None else None,
            ),
            "chaos": lambda: self.chaos(
                float(params.get("probability", 0)),
                int(params.get("seed", 0)),
                params.get("pattern", "/api/*"),
            ),
            "rate_limit": lambda: self.rate_limit(
                int(params.get("perMinute", 0)), float(params.get("windowSeconds", 60))
            ),
            "clear": self.clear,
        }
        if kind not in actions:
            raise ValueError(f"unknown fault kind {kind!r}; one of {sorted(actions)}")
        actions[kind]()

    @staticmethod
    def _take(rules: list[_Rule], path: str) -> _Rule | None:
        for rule in rules:
            if rule.remaining > 0 and fnmatch.fnmatchcase(path, rule.pattern):
                rule.remaining -= 1
                return rule
        return None

    def decide(self, path: str) -> Decision:
        """The fault (if any) for this request; consumes one-shot switches."""
        with self._lock:
            decision = Decision()
            slow = self._take(self.latency, path)
            if slow:
                decision.delay = slow.delay
            if self._take(self.drop_rules, path):
                decision.drop = True
                return decision
            rule = self._take(self.fail_rules, path)
            if rule:
                decision.status, decision.retry_after = rule.status, rule.retry_after
                return decision
            self._chaos(path, decision)
            return decision

    def _chaos(self, path: str, decision: Decision) -> None:
        if not self.chaos_probability or not fnmatch.fnmatchcase(path, self.chaos_pattern):
            return
        if self.chaos_rng.random() >= self.chaos_probability:
            return
        outcome = self.chaos_rng.choice(["500", "502", "503", "504", "429", "drop"])
        if outcome == "drop":
            decision.drop = True
        else:
            decision.status = int(outcome)
            decision.retry_after = 1 if outcome == "429" else None

    def check_budget(self, token: str) -> float | None:
        """Record a request of ``token``; None if within budget, else the seconds to wait."""
        if not self.rate_limit_per_minute:
            return None
        now = time.monotonic()
        with self._lock:
            window = self._windows.setdefault(token, deque())
            while window and now - window[0] >= self.rate_window_seconds:
                window.popleft()
            if len(window) >= self.rate_limit_per_minute:
                return max(0.0, self.rate_window_seconds - (now - window[0]))
            window.append(now)
            return None


def retry_after_header(seconds: float) -> str:
    """Genesys sends whole seconds; round up so a client that obeys it never comes back early."""
    return str(max(1, math.ceil(seconds)))
