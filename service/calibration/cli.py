"""``qmloop calibration ...``: agreement statistics of any export, and session chores."""

from __future__ import annotations

import json
import sys
from typing import TextIO

import click

from service.reliability.agreement import AgreementInputError, agreement_report, read_rows
from service.reliability.stats import LEVELS


@click.group()
def calibration() -> None:
    """Calibration sessions and inter-rater reliability."""


@calibration.command("agreement")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option(
    "--level",
    type=click.Choice(LEVELS),
    default="interval",
    show_default=True,
    help="Krippendorff's alpha level of measurement.",
)
def agreement(file: TextIO, level: str) -> None:
    """Print agreement statistics of FILE.csv (columns unit,rater,score) as JSON."""
    try:
        report = agreement_report(read_rows(file), level)
    except AgreementInputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(json.dumps(report, indent=2, allow_nan=False))


@calibration.command("collect")
def collect() -> None:
    """Collect finished Genesys evaluations into every open mirrored session (run from cron)."""
    from service.calibration.collect import collect_open_sessions
    from service.cli import _app_and_settings
    from service.db import get_db, utcnow
    from service.genesys import get_genesys

    app, _settings = _app_and_settings()
    genesys = get_genesys(app)
    if genesys is None:
        click.echo("error: Genesys is not configured (QM_GENESYS_*)", err=True)
        sys.exit(2)
    with get_db(app).session_scope() as db:
        click.echo(json.dumps(collect_open_sessions(db, genesys=genesys, now=utcnow())))


def _programs() -> None:
    from service.calibration.programs.cli import programs_group

    calibration.add_command(programs_group)


_programs()
commands = [calibration]
