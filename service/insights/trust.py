"""Trust in automated scoring from plain rows, as pure functions: per question the AI-human
kappa over the latest double-scored interactions (overall and per transcript language), the
dispute overturn rate of automated answers, and whether either crosses its threshold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from service.insights import rules

UNKNOWN_LANGUAGE = "unknown"


@dataclass(frozen=True)
class Pair:
    """The AI's and a human's answer to one question of one interaction."""

    form_id: str
    question_id: str
    unit: str  # the interaction (and, for calibration, the session) both scored
    at: str  # sortable ISO timestamp: when the human answer was given or revealed
    ai: str
    human: str
    source: str  # ``calibration`` or ``evaluation``
    language: str = UNKNOWN_LANGUAGE


@dataclass(frozen=True)
class Disputed:
    """One decided disputed answer: ``changed`` True when the supervisor overturned it."""

    form_id: str
    question_id: str
    evaluator_id: str
    automated: bool
    changed: bool


@dataclass(frozen=True)
class Thresholds:
    """The alert settings (``QM_INSIGHTS_*``)."""

    window: int
    min_kappa: float
    min_pairs: int
    max_overturn: float
    min_disputes: int


def _kappa(pairs: Sequence[Pair], window: int) -> dict[str, Any]:
    newest = rules.latest([((p.at, p.unit), p) for p in pairs], window)
    k = rules.cohen_kappa([(p.ai, p.human) for p in newest])
    sources: dict[str, int] = defaultdict(int)
    for p in newest:
        sources[p.source] += 1
    return {
        "pairs": k.n,
        "observed": _r(k.observed),
        "kappa": _r(k.kappa),
        "sources": dict(sorted(sources.items())),
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _overturns(items: Sequence[Disputed]) -> dict[str, Any]:
    changed = sum(1 for d in items if d.changed)
    rate = rules.overturn_rate(changed, len(items))
    return {"decided": len(items), "changed": changed, "rate": _r(rate)}


def question_rows(
    pairs: Iterable[Pair], disputed: Iterable[Disputed], t: Thresholds
) -> list[dict[str, Any]]:
    """One row per (form, question) with kappa, per-language kappa, overturns and alerts."""
    by_q: dict[tuple[str, str], list[Pair]] = defaultdict(list)
    for p in pairs:
        by_q[(p.form_id, p.question_id)].append(p)
    overturned: dict[tuple[str, str], list[Disputed]] = defaultdict(list)
    for d in disputed:
        if d.automated:
            overturned[(d.form_id, d.question_id)].append(d)
    rows = []
    for form_id, question_id in sorted(set(by_q) | set(overturned)):
        found = by_q.get((form_id, question_id), [])
        languages: dict[str, list[Pair]] = defaultdict(list)
        for p in found:
            languages[p.language or UNKNOWN_LANGUAGE].append(p)
        agreement = _kappa(found, t.window)
        overturn = _overturns(overturned.get((form_id, question_id), []))
        rows.append(
            {
                "form_id": form_id,
                "question_id": question_id,
                "agreement": agreement,
                "by_language": [
                    {"language": lang, **_kappa(ps, t.window)}
                    for lang, ps in sorted(languages.items())
                ],
                "overturn": overturn,
                "kappa_alert": rules.kappa_alert(
                    agreement["kappa"], agreement["pairs"], t.min_kappa, t.min_pairs
                ),
                "overturn_alert": rules.overturn_alert(
                    overturn["rate"], overturn["decided"], t.max_overturn, t.min_disputes
                ),
            }
        )
    return rows


def language_rows(pairs: Iterable[Pair], window: int) -> list[dict[str, Any]]:
    """AI-human agreement per transcript language over every question (latest ``window``
    pairs per language and question, pooled)."""
    grouped: dict[str, dict[tuple[str, str], list[Pair]]] = defaultdict(lambda: defaultdict(list))
    for p in pairs:
        grouped[p.language or UNKNOWN_LANGUAGE][(p.form_id, p.question_id)].append(p)
    out = []
    for lang, questions in sorted(grouped.items()):
        chosen = []
        for ps in questions.values():
            newest = rules.latest([((p.at, p.unit), p) for p in ps], window)
            chosen += [(p.ai, p.human) for p in newest]
        k = rules.cohen_kappa(chosen)
        out.append(
            {
                "language": lang,
                "questions": len(questions),
                "pairs": k.n,
                "observed": _r(k.observed),
                "kappa": _r(k.kappa),
            }
        )
    return out


def evaluator_rows(
    disputed: Iterable[Disputed], bias: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per human evaluator: dispute overturn rate next to their calibration bias row."""
    per: dict[str, list[Disputed]] = defaultdict(list)
    for d in disputed:
        if not d.automated and d.evaluator_id:
            per[d.evaluator_id].append(d)
    by_id = {str(b.get("evaluator_id")): b for b in bias}
    out = []
    for evaluator in sorted(set(per) | set(by_id)):
        b = by_id.get(evaluator, {})
        out.append(
            {
                "evaluator_id": evaluator,
                "overturn": _overturns(per.get(evaluator, [])),
                "bias_direction": b.get("direction", ""),
                "bias_from_consensus": (b.get("from_consensus") or {}).get("mean"),
                "bias_from_expert": (b.get("from_expert") or {}).get("mean"),
            }
        )
    return out
