"""The fairness report: share of verdicts that flip in counterfactual pairs, per question.

A pair is (original transcript, the same transcript with one attribute changed: names, gendered
terms, dialect markers, or the agent's tenure and past scores added). Both are scored by the same
engine (redaction included). For each question, a pair counts when both sides have an answer; it
flips when the answers differ. Rates carry a 95 % Wilson interval (governance/rules.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from service.governance import rules
from service.governance.counterfactual import PERTURBATIONS
from service.llm.client import ChatModel
from service.scoring.engine import EngineConfig, score
from service.scoring.results import ScoreResult
from service.scoring.scorecard import Scorecard
from service.transcripts.rules import Transcript


@dataclass
class Tally:
    """Pairs and flips of one question (overall and per perturbation)."""

    n: int = 0
    flips: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def add(self, kind: str, flipped: bool) -> None:
        """Count one pair."""
        self.n += 1
        self.flips += int(flipped)
        self.by_kind[kind][0] += 1
        self.by_kind[kind][1] += int(flipped)


def _answers(result: ScoreResult) -> dict[str, str]:
    return {i.id: i.answer for i in result.items if i.answer is not None and not i.excluded}


def compare_pair(tallies: dict[str, Tally], kind: str, a: ScoreResult, b: ScoreResult) -> None:
    """Add one pair's per-question outcomes to the tallies."""
    left, right = _answers(a), _answers(b)
    for qid in left.keys() & right.keys():
        tallies[qid].add(kind, left[qid] != right[qid])


def run(
    transcripts: list[tuple[str, Transcript]],
    card: Scorecard,
    chat: ChatModel | None,
    cfg: EngineConfig,
    threshold: float,
) -> dict[str, Any]:
    """Score every transcript and its counterfactuals; the per-question report (a dict)."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    pairs: dict[str, int] = defaultdict(int)
    for _, t in transcripts:
        base = score(t, card, chat, cfg)
        for kind, perturb in PERTURBATIONS.items():
            other = perturb(t)
            if other is None:
                continue
            pairs[kind] += 1
            compare_pair(tallies, kind, base, score(other, card, chat, cfg))
    return report(card, tallies, dict(pairs), threshold)


def report(
    card: Scorecard, tallies: dict[str, Tally], pairs: dict[str, int], threshold: float
) -> dict[str, Any]:
    """Per question: pairs, flips, rate, 95 % Wilson interval, red when rate > threshold."""
    questions = []
    for q in card.questions:
        t = tallies.get(q.id, Tally())
        ci = rules.wilson_interval(t.flips, t.n)
        questions.append(
            {
                "id": q.id,
                "pairs": t.n,
                "flips": t.flips,
                "flipRate": round(ci.rate, 4),
                "ci95": [round(ci.low, 4), round(ci.high, 4)],
                "red": rules.is_red(ci, threshold),
                "byPerturbation": {
                    k: {"pairs": n, "flips": f} for k, (n, f) in sorted(t.by_kind.items())
                },
            }
        )
    return {"threshold": threshold, "pairs": pairs, "questions": questions}


def format_report(rep: dict[str, Any]) -> str:
    """A plain-text table of the report."""
    lines = [f"{'question':28} {'pairs':>5} {'flips':>5} {'rate':>6} {'95% CI':>15}  status"]
    for q in rep["questions"]:
        lo, hi = q["ci95"]
        status = "RED" if q["red"] else "ok"
        lines.append(
            f"{q['id'][:28]:28} {q['pairs']:>5} {q['flips']:>5} {q['flipRate']:>6.3f} "
            f"{f'[{lo:.3f}, {hi:.3f}]':>15}  {status}"
        )
    pairs = ", ".join(f"{k}: {n}" for k, n in sorted(rep["pairs"].items()))
    lines.append(f"pairs per perturbation: {pairs or 'none'}")
    lines.append(f"red when the flip rate exceeds {rep['threshold']:.3f} (Wilson 95 % interval)")
    return "\n".join(lines)
