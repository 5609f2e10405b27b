"""``qmloop score`` and ``qmloop eval``: score transcripts without Genesys; measure a model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from service.cliutil import CliError, InputError, read_json_file
from service.settings import Settings


def _load_scorecard(path: str) -> Any:
    """A scorecard from YAML or a Genesys form (JSON); raises ``InputError`` naming the file."""
    from service.scoring.scorecard import ScorecardError, from_genesys_form, load_yaml

    try:
        if path.endswith(".json"):
            return from_genesys_form(read_json_file(path, "Genesys evaluation form (JSON)"))
        return load_yaml(path)
    except (ScorecardError, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        what = str(exc) if path in str(exc) else f"{path}: {exc}"
        raise InputError(f"{what}; see examples/scorecards/ for the shape") from exc


def _load_transcript(path: str) -> Any:
    """A transcript document; raises ``InputError`` naming the file."""
    from service.transcripts.rules import TranscriptError, parse_document

    doc = read_json_file(path, "transcript (JSON)")
    try:
        return parse_document(doc)
    except (TranscriptError, ValueError) as exc:
        raise InputError(
            f"{path}: not a transcript ({exc}); see examples/transcripts/ for the shape"
        ) from exc


def _require_model(chat: Any, card: Any = None) -> None:
    """Raise ``CliError`` when no model is configured but the scorecard has LLM questions."""
    needs_llm = card is None or any(q.kind == "llm" for q in card.questions)
    if chat is None and needs_llm:
        raise CliError(
            "no model configured: set QM_LLM_BASE_URL and QM_LLM_MODEL (and QM_LLM_API_KEY); "
            "docs/scoring.md shows a local fake judge"
        )


MODEL_FAILURES = ("llm_not_configured", "llm_unavailable")


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

    settings = Settings()
    card = _load_scorecard(scorecard)
    doc = _load_transcript(transcript)
    chat, cfg = _engine(settings)
    result = score(doc, card, chat, cfg)
    click.echo(json.dumps(result.to_json(), indent=2) if fmt == "json" else _table(result))
    _fail_when_unscored(result, settings)


def _fail_when_unscored(result: Any, settings: Settings) -> None:
    """Exit 1 when the model could not be asked (a transcript that needs review is a result)."""
    failed = [r for r in result.review_reasons if r in MODEL_FAILURES or r.startswith("llm_")]
    if result.percentage is not None or not failed:
        return
    if failed[0] == "llm_not_configured":
        _require_model(None)
    raise CliError(
        f"could not score: the model at QM_LLM_BASE_URL={settings.llm_base_url} failed "
        f"({failed[0]}); check that it runs and QM_LLM_MODEL={settings.llm_model} exists"
    )


@click.command("eval")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--scorecard", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--workers", default=4, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table")
def eval_command(directory: str, scorecard: str, workers: int, fmt: str) -> None:
    """Score a labelled set and report accuracy and Cohen's kappa per question."""
    from service.scoring.evaluate import evaluate_directory, format_report, load_labelled

    settings = Settings()
    card = _load_scorecard(scorecard)
    chat, cfg = _engine(settings)
    _require_model(chat, card)
    try:
        labelled = load_labelled(Path(directory))
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    if not labelled:
        raise InputError(
            f'{directory}: no labelled transcripts; give each X.json a "labels" object or a '
            "X.labels.json beside it (docs/scoring.md)"
        )

    def progress(done: int, total: int) -> None:
        click.echo(f"\rscored {done}/{total}", nl=done == total, err=True)

    report = evaluate_directory(Path(directory), card, chat, cfg, workers, progress)
    click.echo(json.dumps(report, indent=2) if fmt == "json" else format_report(report))


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
    _require_model(chat, card)
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
