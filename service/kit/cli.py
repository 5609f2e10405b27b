"""``qmloop kit check``: validate actions, workflows and Terraform before ``terraform apply``."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from service.kit.check import Result


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
@click.option(
    "--action",
    "actions",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Check this exported data action (any integration's, not only QM Loop's) offline "
    "instead of the checkout; repeat for several.",
)
@click.option(
    "--response",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="With --action: a response body saved from a real call, translated instead of one "
    "generated from the success schema.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show the problems behind passing checks too.")
def check(
    root: Path,
    live: bool,
    url: str,
    client_id: str,
    actions: tuple[Path, ...],
    response: Path | None,
    verbose: bool,
) -> None:
    """Check every data action, contract, workflow and Terraform file; exit 1 on a failure."""
    # Imported here so other qmloop commands do not load the HCL parser and the Velocity engine.
    from service.kit.check import FAIL, PASS, SKIP, WARN, Target, export_results, run_all

    if actions:
        body = response.read_text(encoding="utf-8") if response else None
        _report(export_results(list(actions), body), verbose, (PASS, FAIL, WARN, SKIP))
        return
    if response:
        raise click.UsageError("--response needs --action")
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
    _report(run_all(root.resolve(), target, live=live), verbose, (PASS, FAIL, WARN, SKIP))


def _report(results: list[Result], verbose: bool, statuses: tuple[str, str, str, str]) -> None:
    """Print one line per check (problems under failures and warnings); exit 1 on a failure."""
    passed, failed, warned, skipped = statuses
    colors = {passed: "green", failed: "red", warned: "yellow", skipped: "yellow"}
    for result in results:
        click.echo(f"{click.style(result.status, fg=colors[result.status])}  {result.name}")
        if result.status != passed or verbose:
            for problem in result.problems:
                click.echo(f"      - {problem}")
        if verbose:
            for detail in result.details:
                click.echo(f"      | {detail}")
    counts = {s: sum(r.status == s for r in results) for s in statuses}
    click.echo(
        f"\n{counts[passed]} passed, {counts[failed]} failed, {counts[warned]} warnings, "
        f"{counts[skipped]} skipped"
    )
    if counts[failed]:
        raise SystemExit(1)


commands = [kit]
