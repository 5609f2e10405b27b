"""Genesys lookups a coaching decision needs: the agent's state, under a time budget."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass
from typing import TypeVar

from service.genesys.api import GenesysApi, GenesysNotFound, GenesysUnavailable

INACTIVE_STATES = {"inactive", "deleted"}
T = TypeVar("T")


@dataclass(frozen=True)
class AgentStatus:
    """An agent's Genesys state and manager (``unknown`` when Genesys is not configured)."""

    state: str
    manager_id: str = ""

    @property
    def inactive(self) -> bool:
        """True for inactive or deleted users."""
        return self.state in INACTIVE_STATES


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="coaching-genesys")
        return _POOL


def within(budget: float | None, fn: Callable[[], T]) -> T:
    """Run Genesys lookups with a time budget; raises ``GenesysUnavailable`` when it runs out.

    The client may retry for longer than a data action may wait (Retry-After, backoff); past
    the budget the caller queues the work instead, and the late answer is dropped.
    """
    if budget is None:
        return fn()
    future = _pool().submit(fn)
    try:
        return future.result(timeout=budget)
    except FuturesTimeout:
        raise GenesysUnavailable(f"Genesys did not answer within {budget:g} s") from None


def agent_status(genesys: GenesysApi | None, agent_id: str) -> AgentStatus:
    """Look the agent up in Genesys; raises ``GenesysUnavailable`` when it cannot answer."""
    if genesys is None:
        return AgentStatus("unknown")
    try:
        user = genesys.get_user(agent_id)
    except GenesysNotFound:
        return AgentStatus("deleted")
    manager = user.get("manager")
    manager_id = str(manager.get("id", "")) if isinstance(manager, dict) else ""
    return AgentStatus(str(user.get("state") or "active").lower(), manager_id)
