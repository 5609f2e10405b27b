"""``qmloop events``: list outbound events and replay them to the subscribed webhooks."""

from __future__ import annotations

from datetime import datetime

import click


def _when(value: str | None, name: str) -> datetime | None:
    from service.exports.cli import parse_when

    return parse_when(value, name)


@click.group("events")
def events_group() -> None:
    """Outbound event webhooks: list and replay (docs/data-out.md)."""


@events_group.command("list")
@click.option("--from", "start", help="Occurred at or after (ISO 8601 date or datetime, UTC).")
@click.option("--to", "end", help="Occurred before (ISO 8601 date or datetime, UTC).")
def list_events(start: str | None, end: str | None) -> None:
    """Print one line per event: id, type, when."""
    from service.cli import _app_and_settings
    from service.db import get_db
    from service.webhooks import service

    app, _ = _app_and_settings()
    with get_db(app).session_scope() as session:
        found = service.events_between(
            session, start=_when(start, "--from"), end=_when(end, "--to")
        )
        for e in found:
            click.echo(f"{e.id}  {e.type:22}  {e.occurred_at.isoformat()}")


@events_group.command("replay")
@click.option("--id", "event_id", help="One event id.")
@click.option("--from", "start", help="Occurred at or after (ISO 8601 date or datetime, UTC).")
@click.option("--to", "end", help="Occurred before (ISO 8601 date or datetime, UTC).")
def replay(event_id: str | None, start: str | None, end: str | None) -> None:
    """Queue events again for every subscription that takes them (same event ids)."""
    from service.cli import _app_and_settings
    from service.db import get_db
    from service.errors import ServiceError
    from service.webhooks import service

    if not event_id and not start and not end:
        raise click.UsageError("give --id or a --from/--to window")
    app, settings = _app_and_settings()
    window = {"start": _when(start, "--from"), "end": _when(end, "--to")}
    try:
        with get_db(app).session_scope() as session:
            events, deliveries = service.replay(session, settings, event_id=event_id, **window)
    except ServiceError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"queued {deliveries} deliveries of {events} events")


commands = [events_group]
