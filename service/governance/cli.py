"""``qmloop fairness``: counterfactual flip rates of the automated judge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from service.cliutil import GENESYS_ID, InputError


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


def _counts_table(counts: dict[str, int], dry_run: bool) -> str:
    verb = "would remove" if dry_run else "removed"
    rows = [f"{kind:14} {n:>7}" for kind, n in sorted(counts.items())]
    return "\n".join([f"{'kind':14} {verb:>7}", *rows, f"total: {sum(counts.values())}"])


def _session_run(fn: Any, dry_run: bool, *args: Any, **kwargs: Any) -> dict[str, int]:
    from service.cli import _app_and_settings
    from service.db import get_db

    app, _ = _app_and_settings()
    with get_db(app).session_scope() as session:
        counts: dict[str, int] = fn(session, *args, dry_run=dry_run, **kwargs)
        if dry_run:
            session.rollback()
    return counts


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="List what would go; change nothing.")
def purge(dry_run: bool) -> None:
    """Remove data older than its retention period (QM_GOVERNANCE_RETENTION_DAYS) now.

    The worker also runs it as the periodic job ``governance.purge`` (docs/governance.md); both
    may run at once. Batches of QM_GOVERNANCE_PURGE_BATCH_SIZE rows, each committed and audited.
    """
    from service.cli import load_settings
    from service.governance import retention

    settings = load_settings()
    try:
        days = retention.retention_days(settings.governance_retention_days)
    except ValueError as exc:
        raise InputError(f"QM_GOVERNANCE_RETENTION_DAYS: {exc}") from exc
    size = settings.governance_purge_batch_size
    counts = _session_run(retention.purge, dry_run, days, commit=True, batch_size=size)
    click.echo(_counts_table(counts, dry_run))


@click.command("erase")
@click.option(
    "--user", "user_id", type=GENESYS_ID, required=True, help="Genesys user id of the person."
)
@click.option("--dry-run", is_flag=True, help="List what would go; change nothing.")
def erase(user_id: str, dry_run: bool) -> None:
    """Erase everything held about one agent (scores, evidence, disputes, coaching, sentiment,
    workspace sessions, calibration interactions, insights); the person's name leaves policy
    revisions, answers given as evaluator and alerts, which stay (docs/governance.md)."""
    from service.governance import deletion

    click.echo(_counts_table(_session_run(deletion.erase_user, dry_run, user_id), dry_run))


@click.command("forget")
@click.option("--conversation", "conversation_id", help="A conversation deleted in Genesys.")
@click.option("--recording", "recording_of", help="A conversation whose recording was deleted.")
@click.option("--evaluation", "evaluation_id", help="An evaluation deleted in Genesys.")
@click.option("--dry-run", is_flag=True, help="List what would go; change nothing.")
def forget(
    conversation_id: str | None, recording_of: str | None, evaluation_id: str | None, dry_run: bool
) -> None:
    """Follow a deletion in Genesys by hand: what we hold about a conversation, a recording's
    transcript or an evaluation (the rules: docs/governance.md). The reconciliation job and the
    evaluation events do this on their own."""
    from service.governance import deletion

    given = [
        (v, f)
        for v, f in (
            (conversation_id, deletion.forget_conversation),
            (recording_of, deletion.forget_recording),
            (evaluation_id, deletion.forget_evaluation),
        )
        if v
    ]
    if len(given) != 1:
        raise click.UsageError("give exactly one of --conversation, --recording and --evaluation")
    value, fn = given[0]
    click.echo(_counts_table(_session_run(fn, dry_run, value), dry_run))


@click.command("reconcile")
def reconcile() -> None:
    """Run the reconciliation with Genesys now: one run of the sweep (at most
    QM_GOVERNANCE_RECONCILE_CONVERSATIONS_PER_RUN conversations), resuming from its cursor."""
    from service.cli import _app_and_settings
    from service.db import get_db
    from service.genesys import get_genesys
    from service.genesys.api import GenesysUnavailable
    from service.governance import reconcile as rec
    from service.jobs.service import WORKER_ID

    app, settings = _app_and_settings()
    genesys = get_genesys(app)
    if genesys is None:
        raise InputError("Genesys is not configured (QM_GENESYS_CLIENT_ID ...)")
    with get_db(app).session_scope() as session:
        try:
            out = rec.run(
                session,
                genesys,
                holder=f"cli:{WORKER_ID}",
                every_seconds=0,
                per_run=settings.governance_reconcile_conversations_per_run,
                lease_seconds=settings.job_lease_seconds,
            )
        except GenesysUnavailable as exc:
            raise InputError(f"Genesys unavailable; progress kept, run again later: {exc}") from exc
    click.echo(json.dumps(out.as_dict(), indent=2))


@click.group("encryption")
def encryption() -> None:
    """At-rest encryption keys of LLM payloads and transcripts (docs/governance.md)."""


@encryption.command("keygen")
def keygen() -> None:
    """Print a new Fernet key (put it first in QM_GOVERNANCE_ENCRYPTION_KEYS)."""
    from cryptography.fernet import Fernet

    click.echo(Fernet.generate_key().decode())


@encryption.command("rotate")
def rotate() -> None:
    """Re-encrypt every stored LLM payload and inline transcript under the first key."""
    from service.cli import _app_and_settings
    from service.db import get_db
    from service.governance.crypto import KeyError_, parse_keys, rotate_all

    app, settings = _app_and_settings()
    try:
        fernet = parse_keys(settings.governance_encryption_keys.get_secret_value())
    except KeyError_ as exc:
        raise InputError(str(exc)) from exc
    if fernet is None:
        raise InputError("QM_GOVERNANCE_ENCRYPTION_KEYS is empty: nothing to rotate to")
    with get_db(app).session_scope() as session:
        n = rotate_all(session, fernet)
    click.echo(f"re-encrypted: {n} values under the first key")


commands = [fairness, purge, erase, forget, reconcile, encryption]
