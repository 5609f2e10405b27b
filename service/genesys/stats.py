"""Thread-safe counters of a GenesysClient, for tests and benchmarks."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class ClientStats:
    """Thread-safe counters for tests and benchmarks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.paths: Counter[str] = Counter()

    def add(self, key: str, n: int = 1) -> None:
        """Count ``n`` events of ``key``."""
        with self._lock:
            self.counts[key] += n

    def call(self, template: str) -> None:
        """Count one HTTP call to a path template."""
        with self._lock:
            self.counts["http_calls"] += 1
            self.paths[template] += 1

    def snapshot(self) -> dict[str, Any]:
        """A copy of every counter."""
        with self._lock:
            return {
                "http_calls": self.counts["http_calls"],
                "retries": self.counts["retries"],
                "throttled_429": self.counts["throttled_429"],
                "token_fetches": self.counts["token_fetches"],
                "unavailable": self.counts["unavailable"],
                "cache_hits": self.counts["cache_hits"],
                "paths": dict(self.paths),
            }
