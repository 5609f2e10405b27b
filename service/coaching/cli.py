"""``qmloop policies``: load, export and list coaching policies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from service.cliutil import InputError, echo_json, format_option, render_table


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
        fix = f"  fix {path} and load it again (policies.example.yaml shows every key)"
        raise InputError("\n".join([f"{path}: {exc.detail}", *lines, fix])) from exc
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
@format_option()
def list_(fmt: str) -> None:
    """Show each stored policy and what it resolves to."""
    from service import get_settings
    from service.coaching import policies
    from service.db import get_db

    app = _app()
    with get_db(app).session_scope() as session:
        out = []
        for row in policies.list_policies(session):
            p = policies.resolve(session, get_settings(app), row.form_id)
            out.append(
                {
                    "formId": row.form_id,
                    "version": row.version,
                    "name": row.name,
                    "threshold": p.threshold,
                    "weeklyCap": p.weekly_cap,
                    "dueBusinessDays": p.due_business_days,
                    "target": p.target,
                    "sections": len(p.sections),
                }
            )
    if fmt == "json":
        echo_json(out)
        return
    if not out:
        click.echo("no stored policies; the QM_COACHING_* settings apply")
        return
    headers = ["form", "version", "threshold", "weekly cap", "due (business days)", "target"]
    headers += ["sections", "name"]
    keys = ["formId", "version", "threshold", "weeklyCap", "dueBusinessDays", "target"]
    keys += ["sections", "name"]
    click.echo(render_table(headers, [[r[k] for k in keys] for r in out]))


commands = [policies_group]
