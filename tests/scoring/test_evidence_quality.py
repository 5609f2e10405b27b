"""Evidence verification on real dialogue (ABCD chats + fixtures): precision and recall floors."""

from __future__ import annotations

from benchmarks.evidence_corpus import build
from service.scoring.evidence import find_quote


def test_precision_and_recall_on_the_quote_corpus():
    cases = build()
    assert len(cases) > 300 and {c.kind for c in cases} >= {"true_quote", "invented", "benign_typo"}
    tp = fp = fn = 0
    for case in cases:
        ok = find_quote(case.quote, case.text).verified
        tp += ok and case.positive
        fp += ok and not case.positive
        fn += (not ok) and case.positive
    assert tp / (tp + fp) >= 0.98
    assert tp / (tp + fn) >= 0.90
