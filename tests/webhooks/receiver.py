"""A local webhook receiver over real HTTP whose behaviour a test switches: down, 500, slow, ok."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from service.coaching.rules import verify_lms_signature


def free_port() -> int:
    """A loopback port nobody listens on (yet)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Receiver:
    """Records every request (event id, body, valid signature) and answers per ``mode``."""

    def __init__(self, port: int, secret: str) -> None:
        self.port, self.secret = port, secret
        self.mode = "ok"  # ok | error (500) | slow (answers after slow_seconds) | redirect
        self.slow_seconds = 1.0
        self.received: list[dict[str, Any]] = []
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                sig = self.headers.get("X-QMLoop-Signature", "")
                owner.received.append(
                    {
                        "id": self.headers.get("X-QMLoop-Event-Id"),
                        "path": self.path,
                        "body": body,
                        "signed": verify_lms_signature(owner.secret, sig, body, int(time.time())),
                        "mode": owner.mode,
                    }
                )
                if owner.mode == "slow":
                    time.sleep(owner.slow_seconds)
                status = {"ok": 200, "error": 500, "slow": 200, "redirect": 302}[owner.mode]
                self.send_response(status)
                if owner.mode == "redirect":
                    self.send_header("Location", f"http://127.0.0.1:{owner.port}/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
