"""``qmloop score`` and ``qmloop eval``: score transcripts without Genesys; measure a model."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from service.settings import Settings


def _load_scorecard(path: str) -> Any:
    from service.scoring.scorecard import from_genesys_form, load_yaml

    if path.endswith(".json"):
        return from_genesys_form(json.loads(Path(path).read_text(encoding="utf-8")))
    return load_yaml(path)


def _engine(settings: Settings) -> tuple[Any, Any]:
    from service.llm.client import OpenAIChat
    from service.scoring.engine import EngineConfig

    chat = OpenAIChat.from_settings(settings) if settings.llm_base_url else None
    return chat, EngineConfig.from_settings(settings)


def _table(result: Any) -> str:
    if result.skipped:
        return f"skipped: {result.skipped}  (not scored)"
    rows = [f"{'question':24} {'answer':22} {'score':>6} {'method':7} verified"]
    for item in result.items:
        answer = "-" if item.answer is None else item.answer
        rows.append(
            f"{item.id[:24]:24} {answer[:22]:22} {item.score:>6g} {item.method:7} {item.verified}"
        )
    pct = "n/a" if result.percentage is None else f"{result.percentage:.2f} %"
    rows.append(f"percentage: {pct}   needs review: {result.needs_review}")
    rows.extend(f"  reason: {r}" for r in result.review_reasons)
    rows.append(f"model: {result.model}  prompt: {result.prompt_version}")
    return "\n".join(rows)


@click.command("score")
@click.argument("transcript", type=click.Path(exists=True, dir_okay=False))
@click.option("--scorecard", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table")
def score_command(transcript: str, scorecard: str, fmt: str) -> None:
    """Score one transcript file against a scorecard (YAML, or a Genesys form as JSON)."""
    from service.scoring.engine import score
    from service.scoring.scorecard import ScorecardError
    from service.transcripts.rules import TranscriptError, parse_document

    settings = Settings()
    try:
        card = _load_scorecard(scorecard)
        doc = parse_document(json.loads(Path(transcript).read_text(encoding="utf-8")))
    except (ScorecardError, TranscriptError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    chat, cfg = _engine(settings)
    result = score(doc, card, chat, cfg)
    click.echo(json.dumps(result.to_json(), indent=2) if fmt == "json" else _table(result))


@click.command("eval")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--scorecard", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--workers", default=4, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table")
def eval_command(directory: str, scorecard: str, workers: int, fmt: str) -> None:
    """Score a labelled set and report accuracy and Cohen's kappa per question."""
    from service.scoring.evaluate import evaluate_directory, format_report

    settings = Settings()
    card = _load_scorecard(scorecard)
    chat, cfg = _engine(settings)

    def progress(done: int, total: int) -> None:
        click.echo(f"\rscored {done}/{total}", nl=done == total, err=True)

    report = evaluate_directory(Path(directory), card, chat, cfg, workers, progress)
    click.echo(json.dumps(report, indent=2) if fmt == "json" else format_report(report))
    if report["transcripts"] == 0:
        sys.exit(1)


@click.command("score-batch")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--scorecard", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False))
@click.option("--workers", default=4, show_default=True)
def score_batch_command(directory: str, scorecard: str, out_path: str, workers: int) -> None:
    """Score every transcript (*.json) of a directory into a JSON Lines file, with progress."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from service.scoring.engine import score
    from service.transcripts.rules import TranscriptError, parse_document

    card = _load_scorecard(scorecard)
    chat, cfg = _engine(Settings())
    paths = sorted(p for p in Path(directory).glob("*.json") if not p.name.endswith(".labels.json"))

    def one(path: Path) -> dict[str, Any]:
        try:
            doc = parse_document(json.loads(path.read_text(encoding="utf-8")))
        except (TranscriptError, ValueError) as exc:
            return {"file": path.name, "error": str(exc)}
        return {"file": path.name, **score(doc, card, chat, cfg).to_json()}

    review = skipped = 0
    with open(out_path, "w", encoding="utf-8") as out, ThreadPoolExecutor(max(1, workers)) as pool:
        futures = [pool.submit(one, p) for p in paths]
        for done, future in enumerate(as_completed(futures), 1):
            row = future.result()
            review += bool(row.get("needsReview") or row.get("error"))
            skipped += bool(row.get("skipped"))
            out.write(json.dumps(row) + "\n")
            click.echo(f"\rscored {done}/{len(paths)}  needs review {review}", nl=False, err=True)
    click.echo("", err=True)
    extra = f", {skipped} skipped" if skipped else ""
    click.echo(
        f"{len(paths) - skipped} transcripts scored, {review} need review{extra}: {out_path}"
    )


@click.command("scoring-reconcile")
def scoring_reconcile_command() -> None:
    """Requeue dead scoring and write-back jobs (run daily, e.g. from a scheduler)."""
    from service.cli import _app_and_settings
    from service.db import get_db
    from service.scoring.service import reconcile

    app, settings = _app_and_settings()
    with get_db(app).session_scope() as session:
        count = reconcile(session, max_age_days=settings.scoring_reconcile_max_age_days)
    click.echo(f"requeued {count} dead scoring jobs")


commands = [score_command, eval_command, score_batch_command, scoring_reconcile_command]
