"""``qmloop replay``: what the current or a candidate policy would have done to past weeks."""

from __future__ import annotations

from pathlib import Path

import click

from service.cliutil import InputError


@click.command("replay")
@click.option("--from", "start", required=True, metavar="DATE", help="First day (YYYY-MM-DD, UTC).")
@click.option("--to", "end", required=True, metavar="DATE", help="Last day (YYYY-MM-DD, UTC).")
@click.option(
    "--policy",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A candidate policies YAML file (as `qmloop policies export` writes); default: the "
    "stored policies.",
)
@click.option(
    "--compare",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A second policies YAML file, replayed side by side with the difference.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def replay(
    start: str, end: str, policy: Path | None, compare: Path | None, fmt: str, output: Path | None
) -> None:
    """Replay the org's finished evaluations and stored interaction sentiment of a period
    through the live decision rules; nothing is assigned or written to Genesys."""
    from service.cli import _app_and_settings  # lazy: service.cli imports this module
    from service.db import get_db
    from service.errors import Conflict
    from service.genesys import get_genesys
    from service.replay import rules, service
    from service.replay.schemas import ReplayIn

    body = ReplayIn.model_validate(
        {
            "from": start,
            "to": end,
            "policyYaml": policy.read_text(encoding="utf-8") if policy else None,
            "compareYaml": compare.read_text(encoding="utf-8") if compare else None,
            "policyName": policy.name if policy else "",
            "compareName": compare.name if compare else "",
        }
    )
    app, settings = _app_and_settings(migrate=True)
    with get_db(app).session_scope() as session:
        try:
            report = service.replay(session, settings=settings, genesys=get_genesys(app), body=body)
        except Conflict as exc:  # a missing setting is bad input (exit 2), as elsewhere
            if exc.code != "genesys_not_configured":
                raise
            raise InputError(str(exc.detail)) from exc
    text = rules.FORMATS[fmt](report)
    if output:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=not text.endswith("\n"))


commands = [replay]
