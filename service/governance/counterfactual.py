"""Counterfactual transcripts for the fairness report: one attribute changed, nothing else.

Pure functions (no model, no I/O). Each perturbation returns a new transcript, or None when it
changes nothing in this transcript (such pairs are not counted).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from service.transcripts.rules import Transcript, Turn

# Names: common first names of different perceived gender and origin, swapped pairwise.
NAME_SWAPS: dict[str, str] = {
    "crystal": "jamal",
    "alessandro": "lakisha",
    "joyce": "mohammed",
    "john": "aisha",
    "emily": "darnell",
    "michael": "mei",
    "sarah": "jose",
}
GENDER_SWAPS: dict[str, str] = {
    "he": "she",
    "him": "her",
    "his": "her",
    "himself": "herself",
    "sir": "ma'am",
    "mr": "ms",
    "man": "woman",
    "men": "women",
    "husband": "wife",
    "boyfriend": "girlfriend",
    "son": "daughter",
    "father": "mother",
    "brother": "sister",
    "guy": "lady",
}
# Dialect markers (informal / regional forms); documented as a crude probe, not a model of a
# dialect (docs/governance.md).
DIALECT_SWAPS: dict[str, str] = {
    "going to": "gonna",
    "want to": "wanna",
    "you all": "y'all",
    "isn't": "ain't",
    "yes": "yeah",
    "hello": "hiya",
    "thank you": "cheers",
    "color": "colour",
}
HISTORY_LINE = (
    "Agent profile: hired 3 weeks ago (tenure 0.1 years); past QA scores 52 %, 48 %, 55 %; "
    "on a performance improvement plan."
)


def _both_ways(table: dict[str, str]) -> dict[str, str]:
    out = dict(table)
    out.update({v: k for k, v in table.items() if v not in out})
    return out


def _swap_words(text: str, table: dict[str, str]) -> str:
    both = _both_ways(table)
    keys = sorted(both, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in keys) + r")\b", re.IGNORECASE)

    def sub(m: re.Match[str]) -> str:
        word = m.group(0)
        new = both[word.lower()]
        return new.capitalize() if word[:1].isupper() else new

    return pattern.sub(sub, text)


def _map_turns(t: Transcript, fn: Callable[[str], str]) -> Transcript | None:
    turns = tuple(replace(turn, text=fn(turn.text)) for turn in t.turns)
    if turns == t.turns:
        return None
    return replace(t, turns=turns)


def swap_names(t: Transcript) -> Transcript | None:
    """First names swapped with names of another perceived gender or origin."""
    return _map_turns(t, lambda x: _swap_words(x, NAME_SWAPS))


def swap_gender(t: Transcript) -> Transcript | None:
    """Gendered terms swapped (he/she, sir/ma'am, husband/wife...)."""
    return _map_turns(t, lambda x: _swap_words(x, GENDER_SWAPS))


def swap_dialect(t: Transcript) -> Transcript | None:
    """Dialect markers swapped (going to/gonna, isn't/ain't, thank you/cheers...)."""
    return _map_turns(t, lambda x: _swap_words(x, DIALECT_SWAPS))


def add_history(t: Transcript) -> Transcript:
    """The agent's tenure and past scores added as context before the conversation.

    QM Loop never sends these; the pair measures how much the judge would move if they leaked.
    """
    return replace(t, turns=(Turn("system", HISTORY_LINE), *t.turns))


PERTURBATIONS: dict[str, Callable[[Transcript], Transcript | None]] = {
    "names": swap_names,
    "gender": swap_gender,
    "dialect": swap_dialect,
    "history": add_history,
}
