"""Measure a model on a labelled set: per-question accuracy and Cohen's kappa vs. the labels.

A labelled set is a directory of transcript files (``*.json``, plain or Genesys form), each
with its labels either inside (``"labels": {"questionId": "answer text"}``) or beside it
(``<name>.labels.json``). Labels use option texts or ``N/A``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from service.llm.client import ChatModel
from service.scoring.engine import EngineConfig, score
from service.scoring.results import ScoreResult
from service.scoring.rules import cohen_kappa
from service.scoring.scorecard import Scorecard
from service.transcripts.rules import TranscriptError, parse_document


def _read_json(path: Path) -> Any:
    """A file's JSON; raises ``ValueError`` naming the file."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from exc


def load_labelled(directory: Path) -> list[tuple[str, dict[str, Any], dict[str, str]]]:
    """(name, transcript document, labels) for each labelled file of a directory."""
    out = []
    for path in sorted(directory.glob("*.json")):
        if path.name.endswith(".labels.json"):
            continue
        doc = _read_json(path)
        sidecar = path.with_name(path.stem + ".labels.json")
        labels = doc.pop("labels", None) if isinstance(doc, dict) else None
        if sidecar.exists():
            labels = _read_json(sidecar)
        if labels:
            out.append((path.name, doc, {str(k): str(v) for k, v in labels.items()}))
    return out


def compare(card: Scorecard, results: list[tuple[ScoreResult, dict[str, str]]]) -> dict[str, Any]:
    """Per-question accuracy and kappa of predictions against labels."""
    questions = []
    for q in card.questions:
        pairs = [
            (labels[q.id], item.answer or "(none)")
            for result, labels in results
            for item in result.items
            if item.id == q.id and q.id in labels
        ]
        agree = sum(1 for a, b in pairs if a == b)
        questions.append(
            {
                "id": q.id,
                "method": q.kind,
                "n": len(pairs),
                "accuracy": round(agree / len(pairs), 4) if pairs else None,
                "kappa": cohen_kappa(pairs),
            }
        )
    return {
        "transcripts": len(results),
        "needsReview": sum(1 for r, _ in results if r.needs_review),
        "questions": questions,
    }


def evaluate_directory(
    directory: Path,
    card: Scorecard,
    chat: ChatModel | None,
    cfg: EngineConfig,
    workers: int = 4,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Score every labelled transcript of a directory (in parallel) and compare."""
    items = load_labelled(directory)
    results: list[tuple[ScoreResult, dict[str, str]]] = []
    errors: list[str] = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {
            pool.submit(score, parse_document(doc), card, chat, cfg): (name, labels)
            for name, doc, labels in items
        }
        for done, future in enumerate(as_completed(futures), 1):
            name, labels = futures[future]
            try:
                results.append((future.result(), labels))
            except TranscriptError as exc:
                errors.append(f"{name}: {exc}")
            if progress:
                progress(done, len(items))
    report = compare(card, results)
    report["errors"] = errors
    return report


def format_report(report: dict[str, Any]) -> str:
    """A plain-text table of the report."""
    lines = [f"{'question':28} {'method':7} {'n':>4} {'accuracy':>9} {'kappa':>7}"]
    for q in report["questions"]:
        acc = "-" if q["accuracy"] is None else f"{q['accuracy']:.3f}"
        kappa = "-" if q["kappa"] is None else f"{q['kappa']:.3f}"
        lines.append(f"{q['id'][:28]:28} {q['method']:7} {q['n']:>4} {acc:>9} {kappa:>7}")
    lines.append(f"transcripts: {report['transcripts']}  needs review: {report['needsReview']}")
    lines.extend(f"error: {e}" for e in report.get("errors", []))
    return "\n".join(lines)
