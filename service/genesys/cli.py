"""``qmloop fake-genesys``: run the local fake Genesys Cloud API."""

from __future__ import annotations

import click


@click.command("fake-genesys")
@click.option("--port", default=8765, show_default=True, help="Port on 127.0.0.1.")
@click.option("--seed", default=1, show_default=True, help="Seed of the sample org.")
@click.option("--client-id", default="fake-client", show_default=True)
@click.option("--client-secret", default="fake-secret", show_default=True)
@click.option("--rate-limit", default=0, show_default=True, help="Requests/minute/token; 0 = off.")
def fake_genesys(port: int, seed: int, client_id: str, client_secret: str, rate_limit: int) -> None:
    """Serve a fake Genesys Cloud Platform API with a sample org (loopback only)."""
    from service.cliutil import check_port_free
    from service.fakes.genesys import serve_forever

    check_port_free("127.0.0.1", port)
    serve_forever(port, seed, client_id, client_secret, rate_limit)


commands = [fake_genesys]
