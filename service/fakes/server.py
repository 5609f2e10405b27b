"""Run a WSGI app on a loopback port in a background thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server


class ServerThread:
    """A threaded WSGI server on 127.0.0.1 with a known URL and a clean stop."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self.server.daemon_threads = True  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL, for example ``http://127.0.0.1:54321``."""
        return f"http://{self.server.host}:{self.server.port}"

    def start(self) -> ServerThread:
        """Start serving in the background."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@contextmanager
def serving(app: Any, port: int = 0) -> Iterator[ServerThread]:
    """Serve ``app`` for the duration of a ``with`` block."""
    srv = ServerThread(app, port=port).start()
    try:
        yield srv
    finally:
        srv.stop()
