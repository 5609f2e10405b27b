"""``qmloop calibration programs``: list, load and export calibration programs (YAML)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click


def _app() -> Any:
    from service.cli import _app_and_settings  # lazy: service.cli imports the domain CLIs

    app, _settings = _app_and_settings(migrate=True)
    return app


@click.group("programs")
def programs_group() -> None:
    """Calibration programs: schedule, panel, calibrator rotation (docs/calibration.md)."""


@programs_group.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load(path: Path) -> None:
    """Validate a programs YAML file and create or replace every program in it (by name)."""
    from service.calibration.programs import service
    from service.db import get_db
    from service.errors import InvalidInput

    app = _app()
    try:
        specs = service.parse_yaml(path.read_text())
        with get_db(app).session_scope() as session:
            counts = service.load(session, specs)
    except InvalidInput as exc:
        lines = [f"  {e['field']}: {e['message']}" for e in exc.errors or []]
        raise click.ClickException("\n".join([exc.detail, *lines])) from exc
    names = ", ".join(s.name for s in specs)
    click.echo(f"loaded {len(specs)} programs ({counts['created']} new): {names}")


@programs_group.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def export(output: Path | None) -> None:
    """Write every program as YAML (stdout or a file) that ``load`` reads back."""
    from service.calibration.programs import service
    from service.db import get_db

    with get_db(_app()).session_scope() as session:
        text = service.export_yaml(session)
    if output:
        output.write_text(text)
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


@programs_group.command("list")
def list_() -> None:
    """One JSON line per program: name, kind, cadence, next period, latest run."""
    from service.calibration.programs import rules, service
    from service.calibration.programs.schemas import ProgramSpec
    from service.db import get_db, utcnow

    with get_db(_app()).session_scope() as session:
        found = service.all_programs(session)
        if not found:
            click.echo("no calibration programs; load some with `qmloop calibration programs load`")
        for p in found:
            spec = ProgramSpec.model_validate(p.spec)
            upcoming = rules.next_due(service.cadence_of(spec), utcnow())
            history = service.runs(session, p.id)
            row = {
                "name": p.name,
                "kind": p.kind,
                "cadence": spec.cadence,
                "active": p.active,
                "next": upcoming[1].isoformat() if upcoming and p.active else None,
                "latestPeriod": history[-1].period_key if history else None,
                "latestCalibrator": history[-1].calibrator_id if history else None,
            }
            click.echo(json.dumps(row))
