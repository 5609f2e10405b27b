"""``qmloop policies``: load, export and list coaching policies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


def _app() -> Any:
    from service.cli import _app_and_settings  # lazy: service.cli imports this module

    app, _settings = _app_and_settings(migrate=True)
    return app


@click.group("policies")
def policies_group() -> None:
    """Coaching policies: threshold, section-to-module mapping and target per form."""


@policies_group.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Delete stored policies missing from the file.")
def load(path: Path, replace: bool) -> None:
    """Validate a policies YAML file and store every policy in it."""
    from service.coaching import policies
    from service.db import get_db
    from service.errors import InvalidInput

    app = _app()
    try:
        with get_db(app).session_scope() as session:
            rows = policies.load_file(session, text=path.read_text(), replace=replace)
            summary = [f"{r.form_id} (v{r.version})" for r in rows]
    except InvalidInput as exc:
        lines = [f"  {e['field']}: {e['message']}" for e in exc.errors or []]
        raise click.ClickException("\n".join([exc.detail, *lines])) from exc
    click.echo(f"loaded {len(summary)} policies: {', '.join(summary)}")


@policies_group.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def export(output: Path | None) -> None:
    """Write every stored policy as YAML (stdout or a file) that ``load`` reads back."""
    from service.coaching import policies
    from service.db import get_db

    with get_db(_app()).session_scope() as session:
        text = policies.export_yaml(session)
    if output:
        output.write_text(text)
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


@policies_group.command("list")
def list_() -> None:
    """Show each stored policy and what it resolves to."""
    from service import get_settings
    from service.coaching import policies
    from service.db import get_db

    app = _app()
    with get_db(app).session_scope() as session:
        rows = policies.list_policies(session)
        if not rows:
            click.echo("no stored policies; the QM_COACHING_* settings apply")
        for row in rows:
            p = policies.resolve(session, get_settings(app), row.form_id)
            click.echo(
                f"{row.form_id:38} v{row.version:<3} threshold={p.threshold:g} "
                f"cap={p.weekly_cap} due={p.due_business_days}bd target={p.target} "
                f"sections={len(p.sections)} {row.name}"
            )


commands = [policies_group]
