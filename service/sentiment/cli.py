"""``qmloop sentiment``: sentiment policies as YAML, and the balance report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


def _app() -> Any:
    from service.cli import _app_and_settings  # lazy: service.cli imports this module

    app, _settings = _app_and_settings(migrate=True)
    return app


@click.group("sentiment")
def sentiment_group() -> None:
    """Sentiment-driven coaching: policies per queue and the kudos/coaching balance."""


@sentiment_group.group("policies")
def policies_group() -> None:
    """Sentiment policies (thresholds, run length, window, cap, kudos) per queue."""


@policies_group.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Delete stored policies missing from the file.")
def load(path: Path, replace: bool) -> None:
    """Validate a sentiment policies YAML file and store every policy in it."""
    from service.db import get_db
    from service.errors import InvalidInput
    from service.sentiment import policies

    try:
        with get_db(_app()).session_scope() as session:
            rows = policies.load_file(session, text=path.read_text(), replace=replace)
            summary = [f"{r.queue_id} (v{r.version})" for r in rows]
    except InvalidInput as exc:
        lines = [f"  {e['field']}: {e['message']}" for e in exc.errors or []]
        raise click.ClickException("\n".join([exc.detail, *lines])) from exc
    click.echo(f"loaded {len(summary)} sentiment policies: {', '.join(summary)}")


@policies_group.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def export(output: Path | None) -> None:
    """Write every stored sentiment policy as YAML that ``load`` reads back."""
    from service.db import get_db
    from service.sentiment import policies

    with get_db(_app()).session_scope() as session:
        text = policies.export_yaml(session)
    if output:
        output.write_text(text)
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


@policies_group.command("list")
def list_() -> None:
    """Show each stored sentiment policy and what it resolves to."""
    from service.db import get_db
    from service.sentiment import policies

    with get_db(_app()).session_scope() as session:
        rows = policies.list_policies(session)
        if not rows:
            click.echo("no stored sentiment policies; the built-in defaults apply")
        for row in rows:
            p = policies.resolve(session, row.queue_id)
            t = p.thresholds
            click.echo(
                f"{row.queue_id:38} v{row.version:<3} customer<{t.customer_below:g} "
                f"agent<{t.agent_below:g} run={t.run_length} in {t.window.days}d "
                f"cap={p.weekly_cap}/7d kudos>{t.kudos_above:g} {row.name}"
            )


@sentiment_group.command("balance")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 365))
def balance(days: int) -> None:
    """Recognitions vs corrective coaching sessions per agent."""
    from service.auth.rules import Principal
    from service.db import get_db
    from service.sentiment import reports

    with get_db(_app()).session_scope() as session:
        report = reports.balance(session, principal=Principal("cli", "admin"), days=days)
    if not report.agents:
        click.echo(f"no recognitions or coaching in the last {days} days")
    for row in report.agents:
        click.echo(
            f"{row.agentId:38} kudos={row.recognitions:<4} "
            f"corrective={row.correctiveSessions:<4} ratio={row.ratio:g}"
        )


@sentiment_group.command("demo")
def demo() -> None:
    """A scripted week against the fake Genesys: coached, capped, kudos, slots and why."""
    from service.sentiment.demo import run_demo

    for line in run_demo():
        click.echo(line)


commands = [sentiment_group]
