"""Pure governance rules: placeholders, recall of labelled data, flip rates with intervals.

No Flask, SQLAlchemy or network here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from service.genesys.formats import parse_genesys_datetime

# The typed placeholders the redactor writes. Every one matches the scoring domain's built-in
# redaction pattern ``<[A-Z][A-Z0-9_]+>`` (service/transcripts/rules.py), and PLACEHOLDER_PATTERN
# is added to the scoring patterns even when the defaults are switched off, so a placeholder
# always counts as redaction for the disclosure rules and never costs points.
ENTITY_TYPES: tuple[str, ...] = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "US_BANK_NUMBER",
    "IP_ADDRESS",
    "ACCOUNT_ID",
    "ORDER_ID",
    "ZIP_CODE",
    "STREET_ADDRESS",
    "NATIONAL_ID",
)
PLACEHOLDER_PATTERN = r"<(?:" + "|".join(ENTITY_TYPES) + r")>"
PLACEHOLDER_RE = re.compile(PLACEHOLDER_PATTERN)


def placeholder(entity_type: str) -> str:
    """The placeholder of an entity type: ``PHONE_NUMBER`` -> ``<PHONE_NUMBER>``."""
    return f"<{entity_type}>"


@dataclass(frozen=True)
class Span:
    """A detected datum: ``text[start:end]`` is of ``entity_type``."""

    start: int
    end: int
    entity_type: str
    score: float = 1.0


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Overlapping spans merged, sorted by start.

    The type of a merged span is that of the first-starting, longest, then highest-scoring one.
    """
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, -(s.end - s.start), -s.score)):
        if out and s.start < out[-1].end:
            last = out[-1]
            out[-1] = Span(last.start, max(last.end, s.end), last.entity_type, last.score)
        else:
            out.append(s)
    return out


def apply_spans(text: str, spans: Iterable[Span]) -> str:
    """The text with each (merged) span replaced by its typed placeholder."""
    parts, pos = [], 0
    for s in merge_spans(spans):
        parts += [text[pos : s.start], placeholder(s.entity_type)]
        pos = s.end
    parts.append(text[pos:])
    return "".join(parts)


def name_tokens(names: Iterable[str], stopwords: frozenset[str]) -> set[str]:
    """The words of detected names worth redacting elsewhere (3+ letters, not a stopword)."""
    out = set()
    for name in names:
        for word in re.findall(r"[A-Za-z][A-Za-z'-]+", name):
            if len(word) >= 3 and word.lower() not in stopwords:
                out.add(word.lower())
    return out


def leaked(datum: str, redacted: str) -> bool:
    """True when a labelled datum still appears in the redacted text (case-insensitive)."""
    return datum.strip().lower() in redacted.lower()


# --- language ---------------------------------------------------------------------------------


def language_supported(language: str, declared: Iterable[str]) -> bool:
    """True when a transcript's language is one a scorecard declares.

    Tags compare case-insensitively (``en-us`` = ``en-US``, ``_`` = ``-``); a declared bare
    language (``en``) covers every region of it (``en-GB``), a declared region only itself. A
    scorecard that declares nothing, or a transcript of unknown language, is supported.
    """
    declared = [d.strip().lower().replace("_", "-") for d in declared if d.strip()]
    lang = language.strip().lower().replace("_", "-")
    if not declared or not lang:
        return True
    return lang in declared or lang.split("-", 1)[0] in declared


# --- flip-rate statistics (fairness) -----------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A proportion with its two-sided confidence interval, all in [0, 1]."""

    rate: float
    low: float
    high: float


def wilson_interval(flips: int, n: int, z: float = 1.959964) -> Interval:
    """Wilson score interval of ``flips`` out of ``n`` (default 95 %).

    Source: E. B. Wilson, "Probable inference, the law of succession, and statistical
    inference", JASA 22 (1927) 209-212; recommended over the Wald interval for small n by
    Brown, Cai and DasGupta, Statistical Science 16 (2001) 101-133. Raises ``ValueError`` when
    ``n < 0`` or ``flips`` is not within 0..n; ``n == 0`` gives rate 0 and the interval [0, 1].
    """
    if n < 0 or not 0 <= flips <= n:
        raise ValueError(f"need 0 <= flips <= n, got flips={flips} n={n}")
    if n == 0:
        return Interval(0.0, 0.0, 1.0)
    p = flips / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def is_red(interval: Interval, threshold: float) -> bool:
    """A question is red when its observed flip rate exceeds the threshold (a share, 0..1)."""
    return interval.rate > threshold


# --- deletions in Genesys ----------------------------------------------------------------------


def recording_deleted(metadata: dict[str, object], now: datetime) -> bool:
    """True when a recording's metadata (``GET /api/v2/conversations/{id}/recordingmetadata``,
    the SDK's ``RecordingMetadata``) says it is gone: ``fileState`` ``DELETED``, or a
    ``deleteDate`` at or before ``now`` (aware UTC). An unreadable date counts as not deleted:
    a wrong deletion cannot be undone, a missed one is caught by the next sweep."""
    if str(metadata.get("fileState") or "").upper() == "DELETED":
        return True
    when = metadata.get("deleteDate")
    if not isinstance(when, str) or not when:
        return False
    try:
        return parse_genesys_datetime(when) <= now
    except ValueError:
        return False


def due(last_run_at: datetime | None, now: datetime, every_seconds: int) -> bool:
    """True when a periodic job last ran ``every_seconds`` or more before ``now`` (or never)."""
    return last_run_at is None or (now - last_run_at).total_seconds() >= every_seconds
