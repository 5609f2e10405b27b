"""Pure decisions of the Genesys client: path templates, backoff delays, budget shape."""

from __future__ import annotations

import random
import re

# One Retry-After parser for every client (see service/limits/rules.py).
from service.limits.rules import parse_retry_after

__all__ = [
    "backoff_delay",
    "budget_shape",
    "parse_retry_after",
    "path_template",
    "replay_safe",
    "token_refresh_margin",
]

# Platform API route words are lower-case letters (plus the version, "v2"); anything else is an id.
_ROUTE_WORD = re.compile(r"^(?:[a-z]+|v\d+)$")


def path_template(path: str) -> str:
    """Replace id-like segments of an API path with ``{id}`` so counters and logs group by route."""
    path = path.split("?", 1)[0]
    parts = [part if not part or _ROUTE_WORD.match(part) else "{id}" for part in path.split("/")]
    return "/".join(parts)


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Full-jitter exponential backoff: uniform(0, min(cap, base * 2**attempt)), attempt from 0."""
    ceiling = min(cap, base * (2 ** min(attempt, 30)))
    return (rng or random).uniform(0, ceiling)


def token_refresh_margin(expires_in: float) -> float:
    """How long before expiry to refresh: 60 s, but never more than a tenth of the lifetime."""
    return min(60.0, expires_in / 10)


def budget_shape(requests_per_minute: int, burst: int = 0) -> tuple[float, float]:
    """Bucket capacity and refill rate (per second) that never exceed the limit in any minute.

    With capacity ``b`` and rate ``r``, at most ``b + 60 r`` requests fit in any 60-second window,
    so the rate is what is left of the minute's budget after the burst.
    """
    capacity = burst or max(1, requests_per_minute // 10)
    capacity = min(capacity, requests_per_minute)
    rate = max(requests_per_minute - capacity, 1) / 60.0
    return float(capacity), rate


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def replay_safe(method: str, template: str, headers: dict[str, str] | None) -> bool:
    """True when sending the request twice cannot create two things.

    Reads, PUT/DELETE, query POSTs, the token call and POSTs carrying an ``Idempotency-Key``
    are safe; any other POST creates something, so after an answer is lost it must not be
    re-sent blindly (the caller's job retries and looks the object up first).
    """
    if method.upper() in _SAFE_METHODS or template.endswith("/query"):
        return True
    if template in ("/oauth/token", "/api/v2/quality/evaluations/scoring"):
        return True
    return any(k.lower() == "idempotency-key" for k in (headers or {}))
