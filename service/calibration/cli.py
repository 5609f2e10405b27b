"""``qmloop calibration ...``: agreement statistics of any export, and session chores."""

from __future__ import annotations

import json
from typing import TextIO

import click

from service.cliutil import InputError, echo_json, format_option
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
    """Print agreement statistics of FILE.csv (columns unit,rater,score) as JSON.

    The delimiter (comma, semicolon, tab) is detected from the header line.
    """
    try:
        report = agreement_report(read_rows(file), level)
    except AgreementInputError as exc:
        raise InputError(f"{file.name}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{file.name}: not UTF-8 text ({exc.reason}); save it as UTF-8 CSV"
        ) from exc
    click.echo(json.dumps(report, indent=2, allow_nan=False))


@calibration.command("collect")
@format_option()
def collect(fmt: str) -> None:
    """Collect finished Genesys evaluations into every open mirrored session (run from cron)."""
    from service.calibration.collect import collect_open_sessions
    from service.cli import _app_and_settings
    from service.db import get_db, utcnow
    from service.genesys import NOT_CONFIGURED, get_genesys

    app, _settings = _app_and_settings()
    genesys = get_genesys(app)
    if genesys is None:
        raise InputError(NOT_CONFIGURED)
    with get_db(app).session_scope() as db:
        totals = collect_open_sessions(db, genesys=genesys, now=utcnow())
    if fmt == "json":
        echo_json(totals)
        return
    click.echo(
        f"{totals.get('sessions', 0)} open mirrored sessions: {totals.get('collected', 0)} "
        f"evaluations collected, {totals.get('pending', 0)} not finished yet, "
        f"{totals.get('skipped', 0)} skipped"
    )


def _programs() -> None:
    from service.calibration.programs.cli import programs_group

    calibration.add_command(programs_group)


_programs()
commands = [calibration]
