"""``qmloop demo``."""

from __future__ import annotations

import click


@click.command("demo")
@click.option("--seed", default=1, show_default=True, help="Seed of the fake Genesys sample org.")
def demo(seed: int) -> None:
    """Run the whole loop against a local fake Genesys and print what happened, per agent."""
    import logging

    from service.cli import cli_verbosity
    from service.demo.run import run
    from service.logs import configure_logging

    # The demo tells in words what the logs would say (a form with no points, a retry).
    level = {0: "ERROR", 1: "INFO"}.get(cli_verbosity(), "DEBUG")
    configure_logging(level, as_json=False)
    for name in ("werkzeug", "alembic"):
        logging.getLogger(name).setLevel(level if level != "INFO" else "WARNING")
    run(seed=seed, echo=click.echo)


commands = [demo]
