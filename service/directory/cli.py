"""``qmloop directory``: copy Genesys users and their divisions; place one by hand."""

from __future__ import annotations

import click

from service.cliutil import GENESYS_ID, InputError


@click.group("directory")
def directory_group() -> None:
    """Which Genesys division each user lives in (the division rule, docs/governance.md)."""


@directory_group.command("sync")
def sync() -> None:
    """Copy every Genesys user and their division now (the worker also does it hourly)."""
    from service.cli import _app_and_settings
    from service.db import get_db
    from service.directory import service
    from service.genesys import NOT_CONFIGURED, get_genesys

    app, _ = _app_and_settings()
    api = get_genesys(app)
    if api is None:
        raise InputError(NOT_CONFIGURED)
    with get_db(app).session_scope() as session:
        count = service.sync_users(session, api)
    click.echo(f"{count} users stored")


@directory_group.command("set")
@click.option("--user", "user_id", type=GENESYS_ID, required=True, help="The Genesys user id.")
@click.option(
    "--division", "division_id", type=GENESYS_ID, required=True, help="The Genesys division id."
)
@click.option("--name", default="", help="A display name.")
def set_user(user_id: str, division_id: str, name: str) -> None:
    """Place one user in a division (until the next sync says otherwise)."""
    from service.cli import _app_and_settings
    from service.db import get_db
    from service.directory import service

    app, _ = _app_and_settings()
    with get_db(app).session_scope() as session:
        service.put(session, "user", user_id, division_id, name)
    click.echo(f"{user_id} in division {division_id}")


commands = [directory_group]
