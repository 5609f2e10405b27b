"""Sentiment decisions as pure functions: scales, thresholds, patterns, kudos, keys.

No Flask, SQLAlchemy or network here. Sources of the rules: seed 001 (customer < -0.6 and agent
< -0.3 qualifies, kudos above 0.8, at most one automated session per agent per week) and issue 13
(strict comparisons, N consecutive by end time within a window, unknown never qualifies).
"""

from __future__ import annotations

import bisect
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

QUALIFYING = "qualifying"
NEUTRAL = "neutral"
UNKNOWN = "unknown"

DECISIONS = ("coach", "kudos", "watch", "none", "capped", "queued", "skipped")


@dataclass(frozen=True)
class Thresholds:
    """The numbers of one sentiment policy (scores on -1..1, strict comparisons)."""

    customer_below: float = -0.6
    agent_below: float = -0.3
    kudos_above: float = 0.8
    run_length: int = 3
    window: timedelta = timedelta(days=7)
    min_phrases: int = 3


def normalize_sta(score: object) -> float | None:
    """STA ``sentimentScore`` (-100..100) as -1..1, clamped; None when absent or not a number."""
    if isinstance(score, bool) or not isinstance(score, int | float):
        return None
    value = float(score)
    if not math.isfinite(value):
        return None
    return max(-1.0, min(1.0, value / 100.0))


def judged(score: float | None, phrases: int, min_phrases: int) -> float | None:
    """The score when enough phrases back it, else None (unknown: never qualifying)."""
    if score is None or phrases < min_phrases:
        return None
    return score


def classify(
    customer: float | None,
    agent: float | None,
    t: Thresholds,
    *,
    agent_side: bool = True,
) -> str:
    """``qualifying``, ``neutral`` or ``unknown`` for one interaction.

    Qualifying: customer strictly below ``customer_below`` and (with ``agent_side``) agent
    strictly below ``agent_below``. Without the agent side (EU AI Act art. 5(1)(f) switch) only
    the customer criterion applies. A needed score that is unknown makes the result unknown,
    except when a known score already rules qualification out.
    """
    if customer is None:
        return UNKNOWN
    if not customer < t.customer_below:
        return NEUTRAL
    if not agent_side:
        return QUALIFYING
    if agent is None:
        return UNKNOWN
    return QUALIFYING if agent < t.agent_below else NEUTRAL


def is_kudos(customer: float | None, t: Thresholds) -> bool:
    """True when the customer's sentiment is strictly above ``kudos_above``."""
    return customer is not None and customer > t.kudos_above


def first_decision(status: str, customer: float | None, t: Thresholds) -> tuple[str, str]:
    """The decision before any pattern is looked for, in order: unknown (skipped), kudos,
    neutral (none); ``("pattern", "")`` when the interaction qualifies and its run decides."""
    if status == UNKNOWN:
        return "skipped", "unknown_sentiment"
    if is_kudos(customer, t):
        return "kudos", "highly_positive_customer"
    if status == NEUTRAL:
        return "none", "not_qualifying"
    return "pattern", ""


def watch_reason(consecutive: int, t: Thresholds) -> str:
    """Why a qualifying interaction is only watched: its run so far of the run length."""
    return f"run_{consecutive}_of_{t.run_length}"


def leaver(state: str, *, inactive: bool) -> tuple[str, str] | None:
    """No sentiment coaching (nor archive task) for an inactive or deleted agent."""
    return ("skipped", f"agent_{state}") if inactive else None


def coach_outcome(assign_decision: str, assign_reason: str) -> tuple[str, str]:
    """The sentiment decision for what coaching's ``assign_coaching`` answered a pattern:
    coach (assigned, or an open sentiment assignment already covers it), capped, queued or
    skipped."""
    if assign_decision == "rate_limited":
        return "capped", assign_reason
    if assign_decision == "queued":
        return "queued", assign_reason
    if assign_decision not in ("assigned", "duplicate"):
        return "skipped", assign_reason
    return "coach", "pattern_of_negative_sentiment"


def needs_agent_score(customer: float | None, t: Thresholds, agent_side: bool) -> bool:
    """Only a customer score below the threshold makes the agent's score matter."""
    return agent_side and customer is not None and customer < t.customer_below


class Item(NamedTuple):
    """One judged interaction of an agent, as the pattern rules see it."""

    key: str  # conversation id
    ended_at: datetime
    status: str  # qualifying / neutral / unknown
    consumed: bool = False  # already part of a pattern that fired


def ordered(items: Sequence[Item]) -> list[Item]:
    """By end time, then key: arrival order never matters; duplicates (same key) kept once."""
    seen: dict[str, Item] = {}
    for item in items:
        seen.setdefault(item.key, item)
    return sorted(seen.values(), key=lambda i: (i.ended_at, i.key))


def run_around(items: Sequence[Item], key: str) -> list[Item]:
    """The maximal run of qualifying interactions containing ``key`` (empty when it does not
    qualify). Unknown interactions are skipped, neither counting nor breaking; a neutral one
    breaks the run."""
    judged_items = [i for i in ordered(items) if i.status != UNKNOWN]
    index = next((n for n, i in enumerate(judged_items) if i.key == key), None)
    if index is None or judged_items[index].status != QUALIFYING:
        return []
    lo = index
    while lo > 0 and judged_items[lo - 1].status == QUALIFYING:
        lo -= 1
    hi = index
    while hi + 1 < len(judged_items) and judged_items[hi + 1].status == QUALIFYING:
        hi += 1
    return judged_items[lo : hi + 1]


def fresh_run(items: Sequence[Item], key: str) -> tuple[list[Item], int]:
    """The unconsumed part of the run around ``key`` and the position of ``key`` in it.

    Consumed interactions split the run: one interaction never counts in two patterns, so late
    and duplicate deliveries cannot fire twice.
    """
    run = run_around(items, key)
    if not run:
        return [], -1
    pos = next(n for n, i in enumerate(run) if i.key == key)
    lo, hi = pos, pos
    while lo > 0 and not run[lo - 1].consumed:
        lo -= 1
    while hi + 1 < len(run) and not run[hi + 1].consumed:
        hi += 1
    return run[lo : hi + 1], pos - lo


def consecutive(items: Sequence[Item], key: str, t: Thresholds) -> int:
    """The qualifying run length around ``key``: unconsumed, ending within ``window`` of it."""
    fresh, at = fresh_run(items, key)
    if at < 0:
        return 0
    me = fresh[at].ended_at
    return sum(1 for i in fresh if abs(i.ended_at - me) <= t.window)


def pattern_for(items: Sequence[Item], key: str, t: Thresholds) -> list[Item]:
    """The N consecutive qualifying interactions that ``key`` completes, or [].

    Among the unconsumed interactions of the run around ``key``, the latest block of
    ``run_length`` consecutive ones that contains ``key`` and spans at most ``window`` (first
    to last end time).
    """
    fresh, at = fresh_run(items, key)
    return latest_block(fresh, at, t)


def latest_block(fresh: Sequence[Item], at: int, t: Thresholds) -> list[Item]:
    """The latest block of ``run_length`` items of ``fresh`` containing index ``at`` whose
    end times span at most ``window``; [] when there is none."""
    n = t.run_length
    if n <= 0 or at < 0:
        return []
    for start in range(min(at, len(fresh) - n), max(-1, at - n), -1):
        block = fresh[start : start + n]
        if len(block) == n and block[-1].ended_at - block[0].ended_at <= t.window:
            return list(block)
    return []


class AgentRuns:
    """One agent's judged interactions kept in end-time order, for incremental decisions.

    Same answers as ``consecutive`` and ``pattern_for`` over the whole list, in O(log n + run)
    per decision: the scan stops at a neutral or used interaction or outside the window
    (a block spans at most ``window``, so nothing beyond it can matter).
    """

    def __init__(self) -> None:
        self.order: list[Item] = []  # by (end, key)
        self.items: dict[str, Item] = {}
        self.used: set[str] = set()

    def add(self, item: Item) -> bool:
        """Insert by end time; False for a duplicate key (it never counts twice)."""
        if item.key in self.items:
            return False
        self.items[item.key] = item
        order = self.order
        last = order[-1] if order else None
        if last is None or item.ended_at > last.ended_at or _order_key(item) > _order_key(last):
            order.append(item)  # the usual case: deliveries arrive in end-time order
        else:
            bisect.insort(order, item, key=_order_key)
        if item.consumed:
            self.used.add(item.key)
        return True

    def consume(self, keys: Iterable[str]) -> None:
        """Mark interactions as part of a pattern that fired."""
        self.used.update(keys)

    def _scan(self, pos: int, step: int, me: datetime, window: timedelta) -> list[Item]:
        out: list[Item] = []
        order, used = self.order, self.used
        pos += step
        while 0 <= pos < len(order):
            item = order[pos]
            pos += step
            if item.status == UNKNOWN:
                continue  # unknown neither counts nor breaks
            if abs(item.ended_at - me) > window or item.status == NEUTRAL or item.key in used:
                break
            out.append(item)
        return out

    def decide(self, key: str, t: Thresholds) -> tuple[int, list[Item]]:
        """(consecutive, pattern block or []) for ``key``."""
        me = self.items[key]
        if me.status != QUALIFYING or key in self.used:
            return 0, []
        last = len(self.order) - 1
        if self.order[last].key == key:
            pos = last  # the usual case: the newest interaction asks
        else:
            pos = bisect.bisect_left(self.order, _order_key(me), key=_order_key)
        left = self._scan(pos, -1, me.ended_at, t.window)[::-1]
        right = self._scan(pos, 1, me.ended_at, t.window)
        fresh = [*left, me, *right]
        return len(fresh), latest_block(fresh, len(left), t)


def _order_key(item: Item) -> tuple[datetime, str]:
    return item.ended_at, item.key


def pattern_key(agent_id: str, keys: Sequence[str]) -> str:
    """The idempotency key of a pattern: the agent and its interactions, order-free."""
    return "sentiment:" + agent_id + ":" + ",".join(sorted(keys))


PATTERN_NAMESPACE = uuid.UUID("5b1f6a4e-3f0e-4c5e-9a57-2d8b7c1e9f10")
SECTION_ID = "sentiment"


def pattern_assignment(agent_id: str, block: Sequence[Item]) -> tuple[str, str]:
    """(evaluation id, section name) of the coaching a pattern asks for: the id is stable per
    agent and interactions (a repeated pattern is the same assignment), the name dates it."""
    key = pattern_key(agent_id, [i.key for i in block])
    evaluation_id = f"sentiment:{uuid.uuid5(PATTERN_NAMESPACE, key)}"
    return evaluation_id, f"Sentiment pattern ending {block[-1].ended_at:%Y-%m-%d %H:%M}"


def describe(entries: Sequence[tuple[datetime, float | None, float | None]]) -> str:
    """The appointment description: dates and scores only, never customer data."""
    lines = ["Automated coaching: a run of interactions with negative sentiment."]
    for ended, customer, agent in entries:
        agent_text = "n/a" if agent is None else f"{agent:+.2f}"
        customer_text = "n/a" if customer is None else f"{customer:+.2f}"
        lines.append(f"- {ended:%Y-%m-%d %H:%M} UTC: customer {customer_text}, agent {agent_text}")
    return "\n".join(lines)


def appointment_minutes(value: int) -> int:
    """A policy's session length rounded up to 15-minute steps, 15 to 60."""
    return max(15, min(60, -(-int(value) // 15) * 15))
