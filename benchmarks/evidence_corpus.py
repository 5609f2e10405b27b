"""A labelled corpus of evidence quotes built from real dialogue (the public ABCD chats).

Positives: true quotes (spans of a turn) and benignly altered ones (case, punctuation, spacing,
curly quotes, one transposition typo in a long word): a judge copying sloppily still quotes
what was said. Negatives: quotes with one meaning-changing edit (a swapped word, negation
added or dropped, a changed number), quotes that exist but in another turn, and invented
sentences. ``find_quote`` should accept the first group and reject the second.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ABCD = Path("/work/shared/data/abcd/abcd_sample.json")
FIXTURES = [ROOT / "examples" / "genesys" / "transcript.json"]

INVENTED = [
    "I have issued a full refund to your credit card",
    "Let me transfer you to our billing department right away",
    "Your order will arrive by express shipping tomorrow morning",
    "I apologize for the inconvenience this has caused you today",
    "This call may be recorded for training and quality purposes",
    "I can offer you a twenty percent discount on your next order",
    "Please hold while I check with my supervisor about that",
    "Your account has been upgraded to gold membership at no cost",
]
SWAPS = {"can": "cannot", "will": "won't", "is": "isn't", "was": "wasn't", "do": "don't"}
OTHER_WORDS = ["refund", "manager", "shipping", "password", "invoice", "weekend", "discount"]


@dataclass(frozen=True)
class Case:
    text: str
    quote: str
    positive: bool
    kind: str


def dialogue_turns() -> list[str]:
    """Agent and customer turns of at least four words from ABCD and our fixtures."""
    turns = []
    if ABCD.exists():
        for convo in json.loads(ABCD.read_text()):
            turns += [t for s, t in convo["original"] if s in ("agent", "customer")]
    for path in FIXTURES:
        doc = json.loads(path.read_text())
        turns += [p["decoratedText"] for t in doc["transcripts"] for p in t["phrases"]]
    return [t for t in turns if len(t.split()) >= 4]


def _span(rng: random.Random, words: list[str]) -> list[str]:
    n = rng.randint(min(3, len(words)), min(12, len(words)))
    start = rng.randint(0, len(words) - n)
    return words[start : start + n]


def _typo(rng: random.Random, words: list[str]) -> list[str] | None:
    long = [i for i, w in enumerate(words) if len(re.sub(r"\W", "", w)) >= 6]
    if not long:
        return None
    i = rng.choice(long)
    w = words[i]
    j = rng.randint(1, len(w) - 3)
    out = list(words)
    out[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return out


def _benign(rng: random.Random, words: list[str]) -> list[tuple[str, str]]:
    quote = " ".join(words)
    out = [
        (re.sub(r"[^\w\s]", "", quote).lower(), "benign_case_punct"),
        ("  ".join(words).upper(), "benign_spacing_case"),
        (quote.replace("'", "’") + ".", "benign_curly_quotes"),
    ]
    typo = _typo(rng, words)
    if typo:
        out.append((" ".join(typo), "benign_typo"))
    return out


def _harmful(rng: random.Random, words: list[str]) -> list[tuple[str, str]]:
    out = []
    lowered = [w.lower().strip(",.!?") for w in words]
    for i, w in enumerate(lowered):
        if w in SWAPS:
            edited = list(words)
            edited[i] = SWAPS[w]
            out.append((" ".join(edited), "negation_flip"))
            break
    digits = [i for i, w in enumerate(words) if re.search(r"\d", w)]
    if digits:
        edited = list(words)
        edited[digits[0]] = re.sub(
            r"\d", lambda m: str((int(m.group()) + 3) % 10), words[digits[0]]
        )
        out.append((" ".join(edited), "number_changed"))
    content = [i for i, w in enumerate(words) if len(w) >= 4]
    if content:
        edited = list(words)
        edited[rng.choice(content)] = rng.choice(OTHER_WORDS)
        out.append((" ".join(edited), "word_swapped"))
    return out


_NEG_RE = re.compile(r"\b(not|never|no)\s+|n't\b", re.I)
_FILLERS = {"please", "just", "so", "ok", "sure", "really", "actually"}


def _dropped(words: list[str]) -> list[tuple[str, str]]:
    """One word left out: harmless for a filler, meaning-changing for a negation."""
    out = []
    quote = " ".join(words)
    if _NEG_RE.search(quote):
        out.append((_NEG_RE.sub("", quote, count=1), "negation_dropped"))
    for i, w in enumerate(words):
        if w.lower().strip(",.!?") in _FILLERS and 0 < i < len(words) - 1:
            out.append((" ".join(words[:i] + words[i + 1 :]), "benign_filler_dropped"))
            break
    return out


def build(seed: int = 7) -> list[Case]:
    """Every labelled case, deterministic for a seed."""
    rng = random.Random(seed)
    turns = dialogue_turns()
    cases: list[Case] = []
    for idx, text in enumerate(turns):
        words = text.split()
        span = _span(rng, words)
        cases.append(Case(text, " ".join(span), True, "true_quote"))
        cases.append(Case(text, text, True, "true_full_turn"))
        cases += [Case(text, q, True, k) for q, k in _benign(rng, span)]
        cases += [Case(text, q, False, k) for q, k in _harmful(rng, span)]
        cases += [Case(text, q, k.startswith("benign"), k) for q, k in _dropped(words)]
        other = turns[(idx + 1 + rng.randrange(len(turns) - 1)) % len(turns)]
        if other.lower() not in text.lower():
            cases.append(Case(text, " ".join(_span(rng, other.split())), False, "other_turn"))
        cases.append(Case(text, rng.choice(INVENTED), False, "invented"))
    return cases
