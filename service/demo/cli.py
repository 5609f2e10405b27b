"""``qmloop demo``."""

from __future__ import annotations

import click


@click.command("demo")
@click.option("--seed", default=1, show_default=True, help="Seed of the fake Genesys sample org.")
def demo(seed: int) -> None:
    """Run the whole loop against a local fake Genesys and print what happened, per agent."""
    import logging

    from service.demo.run import run
    from service.logs import configure_logging

    configure_logging("WARNING", as_json=False)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    run(seed=seed, echo=click.echo)


commands = [demo]
