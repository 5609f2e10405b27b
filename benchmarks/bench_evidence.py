"""Evidence verification quality on real dialogue: precision and recall of ``find_quote``.

    python benchmarks/bench_evidence.py [--threshold 92]

Cases come from the public ABCD chats plus our fixtures (benchmarks/evidence_corpus.py):
true and benignly altered quotes must verify; meaning-changed, misplaced and invented quotes
must not. Targets: precision >= 0.98, recall >= 0.90.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.evidence_corpus import build
from service.scoring.evidence import find_quote


def measure(threshold: float) -> dict[str, object]:
    """Confusion counts, precision, recall and per-kind acceptance rates."""
    cases = build()
    tp = fp = fn = tn = 0
    accepted: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for case in cases:
        ok = find_quote(case.quote, case.text, threshold).verified
        total[case.kind] += 1
        accepted[case.kind] += ok
        if case.positive:
            tp, fn = tp + ok, fn + (not ok)
        else:
            fp, tn = fp + ok, tn + (not ok)
    return {
        "cases": len(cases),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
        "accepted": {k: f"{accepted[k]}/{total[k]}" for k in sorted(total)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threshold", type=float, default=92.0)
    args = parser.parse_args()
    for threshold in sorted({85.0, 90.0, args.threshold, 95.0}):
        r = measure(threshold)
        print(
            f"threshold {threshold:g}: {r['cases']} cases  precision {r['precision']:.3f}  "
            f"recall {r['recall']:.3f}  {r['confusion']}"
        )
    r = measure(args.threshold)
    print(f"\nacceptance by kind at threshold {args.threshold:g} (targets: P >= 0.98, R >= 0.90)")
    for kind, rate in r["accepted"].items():  # type: ignore[attr-defined]
        print(f"  {kind:22} {rate}")


if __name__ == "__main__":
    main()
