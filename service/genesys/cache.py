"""A small thread-safe cache with optional TTL, LRU eviction and one loader per key at a time."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class TtlCache:
    """Values expire after ``ttl`` seconds (never when None); at most ``size`` entries."""

    def __init__(
        self,
        ttl: float | None,
        size: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._data: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[Any, threading.Lock] = {}

    def get(self, key: Any) -> tuple[bool, Any]:
        """``(True, value)`` when a fresh value is cached, else ``(False, None)``."""
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return False, None
            if self.ttl is not None and self._clock() - item[0] > self.ttl:
                del self._data[key]
                return False, None
            self._data.move_to_end(key)
            return True, item[1]

    def put(self, key: Any, value: Any) -> None:
        """Store a value, evicting the least recently used entry when full."""
        with self._lock:
            self._data[key] = (self._clock(), value)
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def get_or_load(self, key: Any, loader: Callable[[], Any]) -> Any:
        """The cached value, or ``loader()`` run once even when many threads miss together."""
        found, value = self.get(key)
        if found:
            return value
        with self._lock:
            key_lock = self._loading.setdefault(key, threading.Lock())
        with key_lock:
            found, value = self.get(key)
            if not found:
                value = loader()
                self.put(key, value)
        with self._lock:
            self._loading.pop(key, None)
        return value

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()
