"""Evidence verification and deterministic phrase matching.

A quote counts only if it is found in the turn it cites, from the right speaker: first a
normalized exact match, then a rapidfuzz alignment above a high threshold with a word-level
check (so "can" never verifies "cannot"). The matched span of the original text is kept: that
is what makes a score defensible in a dispute.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from rapidfuzz import fuzz

from service.settings import EVIDENCE_THRESHOLD
from service.transcripts.rules import NEUTRAL_TOKEN, REDACTION_RE, Transcript, Turn

_PUNCT: dict[int, str | None] = {ord(c): " " for c in '",.;:!?()[]{}<>-_/\\|*~“”«»…–—'}
_PUNCT.update({ord(c): None for c in "'`‘’"})  # "don't" and "dont" are the same word
MIN_FUZZY_CHARS = 12  # shorter quotes must match exactly: fuzz on 5 letters proves nothing
WORD_CUTOFF = 80.0  # rapidfuzz ratio below which a quote word is not the span's word at all


@dataclass(frozen=True)
class Match:
    """Where a quote was found in its turn (character offsets into the turn's text)."""

    verified: bool
    start: int = -1
    end: int = -1
    score: float = 0.0
    reason: str = ""


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Lower-case, punctuation-free, single-spaced text plus each character's original index."""
    out: list[str] = []
    index: list[int] = []
    # Normalize character by character so every output index maps to the original text
    # (NFKC can turn one character into several, "ĳ" into "ij").
    for i, ch in enumerate(text):
        mapped = unicodedata.normalize("NFKC", ch).casefold().translate(_PUNCT)
        for c in mapped:
            if c.isspace():
                if out and out[-1] != " ":
                    out.append(" ")
                    index.append(i)
            else:
                out.append(c)
                index.append(i)
    while out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), index


def normalize(text: str) -> str:
    """The normalized form used for matching."""
    return normalize_with_map(text)[0]


def _span(index: list[int], lo: int, hi: int) -> tuple[int, int]:
    return index[lo], index[hi - 1] + 1


_NEGATIONS = {
    "not",
    "no",
    "never",
    "nothing",
    "nobody",
    "none",
    "cannot",
    "cant",
    "dont",
    "wont",
    "isnt",
    "wasnt",
    "arent",
    "didnt",
    "doesnt",
    "couldnt",
    "shouldnt",
    "wouldnt",
    "havent",
    "hasnt",
    "aint",
}


def _negations(words: list[str]) -> list[str]:
    return sorted(w for w in words if w in _NEGATIONS)


def _words_close(quote: str, span: str, max_misses: int = 1) -> bool:
    """Every quote word appears in the span, except at most one near-identical word, and
    both say "not" the same number of times (dropping one word must not flip the meaning)."""
    pool = span.split()
    if _negations(quote.split()) != _negations(pool):
        return False
    misses = 0
    for word in quote.split():
        if word in pool:
            continue
        best = max((fuzz.ratio(word, p) for p in pool), default=0.0)
        if best < WORD_CUTOFF or len(word) <= 3:
            return False
        misses += 1
    return misses <= max_misses


def find_quote(quote: str, text: str, threshold: float = EVIDENCE_THRESHOLD) -> Match:
    """Locate ``quote`` in ``text``: normalized exact match, then a strict fuzzy alignment."""
    q = normalize(quote)
    t, index = normalize_with_map(text)
    if not q:
        return Match(False, reason="empty_quote")
    at = t.find(q)
    if at >= 0:
        start, end = _span(index, at, at + len(q))
        return Match(True, start, end, 100.0)
    if len(q) < MIN_FUZZY_CHARS or not t:
        return Match(False, reason="not_found")
    aligned = fuzz.partial_ratio_alignment(q, t, score_cutoff=threshold)
    if aligned is not None and aligned.dest_end > aligned.dest_start:
        lo, hi = _widen(t, aligned.dest_start, aligned.dest_end)
        if _words_close(q, t[lo:hi]):
            start, end = _span(index, lo, hi)
            return Match(True, start, end, aligned.score)
    # A dropped filler word defeats character alignment; align word by word instead.
    window = _word_window(q, t)
    if window is None:
        return Match(False, score=aligned.score if aligned else 0.0, reason="not_found")
    start, end = _span(index, *window)
    return Match(True, start, end, fuzz.ratio(q, t[window[0] : window[1]]))


def _word_window(q: str, t: str, max_extra: int = 2) -> tuple[int, int] | None:
    """Character bounds of the turn words matching the quote's words in order, allowing a
    couple of dropped filler words in the quote; None when no tight window exists."""
    qw, tw = q.split(), t.split()
    blocks = [
        b for b in SequenceMatcher(a=qw, b=tw, autojunk=False).get_matching_blocks() if b.size
    ]
    if not blocks:
        return None
    matched = sum(b.size for b in blocks)
    first, last = blocks[0].b, blocks[-1].b + blocks[-1].size
    if len(qw) - matched > 1 or (last - first) - matched > max_extra:
        return None
    window = tw[first:last]
    extra = [w for w in window if w not in qw]
    if any(w in _NEGATIONS for w in extra) or not _words_close(q, " ".join(window)):
        return None
    starts = [0]
    for w in tw[:-1]:
        starts.append(starts[-1] + len(w) + 1)
    return starts[first], starts[last - 1] + len(tw[last - 1])


def _widen(t: str, lo: int, hi: int) -> tuple[int, int]:
    """Stretch an alignment to whole words."""
    while lo > 0 and t[lo - 1] != " ":
        lo -= 1
    while hi < len(t) and t[hi] != " ":
        hi += 1
    return lo, hi


def verify(
    transcript: Transcript,
    turn: int,
    quote: str,
    speakers: tuple[str, ...] = ("agent",),
    threshold: float = EVIDENCE_THRESHOLD,
) -> Match:
    """Verify one evidence quote against the turn it cites."""
    if not 0 <= turn < len(transcript.turns):
        return Match(False, reason="turn_out_of_range")
    target = transcript.turns[turn]
    if target.speaker not in speakers:
        return Match(False, reason="wrong_speaker")
    return find_quote(quote, target.text, threshold)


@dataclass(frozen=True)
class PhraseHit:
    """A required or forbidden phrase found in a turn."""

    phrase: str
    turn: int
    start: int
    end: int
    quote: str


def find_phrase(
    transcript: Transcript,
    phrase: str,
    speakers: tuple[str, ...],
    threshold: float = EVIDENCE_THRESHOLD,
) -> PhraseHit | None:
    """The first turn of the given speakers that contains the phrase (fuzzy, word-checked)."""
    for i, turn in enumerate(transcript.turns):
        if turn.speaker not in speakers:
            continue
        match = find_quote(phrase, turn.text, threshold)
        if match.verified:
            return PhraseHit(phrase, i, match.start, match.end, turn.text[match.start : match.end])
    return None


def _split_redacted(text: str, redaction: re.Pattern[str]) -> list[str]:
    return [normalize(part) for part in redaction.sub(NEUTRAL_TOKEN, text).split(NEUTRAL_TOKEN)]


def redacted_phrase_turn(
    transcript: Transcript,
    phrase: str,
    speakers: tuple[str, ...],
    min_cover: float = 0.5,
    redaction: re.Pattern[str] = REDACTION_RE,
) -> int | None:
    """The turn where the phrase was probably hidden by a redaction, or None.

    The phrase counts as redacted when some split ``head + hidden + tail`` of its words has
    ``head`` ending the text before a redaction token and ``tail`` starting the text after it,
    and head and tail together cover at least ``min_cover`` of its words.
    """
    words = normalize(phrase).split()
    for i, turn in enumerate(transcript.turns):
        if turn.speaker in speakers and _behind_redaction(turn, words, min_cover, redaction):
            return i
    return None


def _behind_redaction(
    turn: Turn, words: list[str], min_cover: float, redaction: re.Pattern[str]
) -> bool:
    parts = _split_redacted(turn.text, redaction)
    if len(parts) < 2 or not words:
        return False
    for left, right in zip(parts, parts[1:], strict=False):
        if _covers(left.split(), right.split(), words, min_cover):
            return True
    return False


def _covers(left: list[str], right: list[str], words: list[str], min_cover: float) -> bool:
    n = len(words)
    for i in range(n):  # words[:i] end `left`
        if i and left[-i:] != words[:i]:
            continue
        for j in range(i + 1, n + 1):  # words[i:j] hidden, words[j:] start `right`
            tail = words[j:]
            if tail and right[: len(tail)] != tail:
                continue
            if (i + len(tail)) / n >= min_cover:
                return True
    return False
