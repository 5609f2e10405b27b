"""``qmloop kit check``: validate actions, workflows and Terraform before ``terraform apply``."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click


@click.group()
def kit() -> None:
    """The Genesys deployment kit (data_actions/, architect/, terraform/)."""


@kit.command("check")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The checkout to check.",
)
@click.option(
    "--live/--no-live",
    default=True,
    show_default=True,
    help="Run every action's examples over HTTP (both credential types).",
)
@click.option(
    "--url",
    default="",
    help="Run live checks against this service instead of a "
    "throwaway local one (needs --client-id and QM_KIT_CLIENT_SECRET).",
)
@click.option("--client-id", default="", help="The integration's client id at --url.")
@click.option("-v", "--verbose", is_flag=True, help="Show the problems behind passing checks too.")
def check(root: Path, live: bool, url: str, client_id: str, verbose: bool) -> None:
    """Check every data action, contract, workflow and Terraform file; exit 1 on a failure."""
    # Imported here so other qmloop commands do not load the HCL parser and the Velocity engine.
    from service.kit.check import FAIL, PASS, SKIP, Target, run_all

    if not (root / "data_actions").is_dir():
        raise click.UsageError(f"{root} has no data_actions/ folder; pass --root <checkout>")
    target = None
    if url:
        secret = os.environ.get("QM_KIT_CLIENT_SECRET", "")
        if not client_id or not secret:
            raise click.UsageError("--url needs --client-id and QM_KIT_CLIENT_SECRET")
        target = Target(url, client_id, secret)
    for logger in ("service", "werkzeug"):  # the throwaway server's request lines are noise here
        logging.getLogger(logger).setLevel(logging.WARNING)
    results = run_all(root.resolve(), target, live=live)
    colors = {PASS: "green", FAIL: "red", SKIP: "yellow"}
    for result in results:
        click.echo(f"{click.style(result.status, fg=colors[result.status])}  {result.name}")
        if result.status != PASS or verbose:
            for problem in result.problems:
                click.echo(f"      - {problem}")
    counts = {s: sum(r.status == s for r in results) for s in (PASS, FAIL, SKIP)}
    click.echo(f"\n{counts[PASS]} passed, {counts[FAIL]} failed, {counts[SKIP]} skipped")
    if counts[FAIL]:
        raise SystemExit(1)


commands = [kit]
