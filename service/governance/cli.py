"""``qmloop fairness``: counterfactual flip rates of the automated judge."""

from __future__ import annotations

import json
from pathlib import Path

import click

from service.cliutil import InputError


@click.command("fairness")
@click.option("--scorecard", "scorecard_path", required=True, help="YAML or Genesys form JSON.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def fairness(scorecard_path: str, as_json: bool, directory: str) -> None:
    """Score DIRECTORY's transcripts and their counterfactual twins; report verdict flips.

    Twins swap names, gendered terms or dialect markers, or add the agent's tenure and past
    scores. Per question: the share of flipped verdicts with a 95 % Wilson interval; RED above
    QM_GOVERNANCE_FAIRNESS_RED_THRESHOLD. Uses the configured model (QM_LLM_*).
    """
    from service.cli import load_settings
    from service.governance.fairness import format_report, run
    from service.scoring.cli import _engine, _load_scorecard, _load_transcript, _require_model

    settings = load_settings()
    card = _load_scorecard(scorecard_path)
    chat, cfg = _engine(settings)
    _require_model(chat, card)
    paths = sorted(p for p in Path(directory).glob("*.json") if not p.name.endswith(".labels.json"))
    if not paths:
        raise InputError(f"{directory}: no transcript files (*.json)")
    transcripts = [(p.name, _load_transcript(str(p))) for p in paths]
    rep = run(transcripts, card, chat, cfg, settings.governance_fairness_red_threshold)
    click.echo(json.dumps(rep, indent=2) if as_json else format_report(rep))


commands = [fairness]
