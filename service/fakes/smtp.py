"""A tiny local SMTP server for tests and the demo: accepts mail and keeps it in memory.

Speaks just enough SMTP (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for ``smtplib`` without
STARTTLS or AUTH; ``fail_next`` answers the next messages with a 451 (temporary failure).
"""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Mail:
    """One accepted message."""

    sender: str
    recipients: list[str]
    data: str


class _Handler(socketserver.StreamRequestHandler):
    fake: FakeSmtp

    def reply(self, text: str) -> None:
        self.wfile.write((text + "\r\n").encode())

    def handle(self) -> None:
        self.reply("220 fake-smtp ready")
        self.sender: str = ""
        self.rcpts: list[str] = []
        while line := self.rfile.readline().decode().rstrip("\r\n"):
            if not self.verb(line.split(" ", 1)[0].upper(), line):
                return

    def verb(self, verb: str, line: str) -> bool:
        if verb in ("EHLO", "HELO"):
            self.reply("250 fake-smtp")
        elif verb == "MAIL":
            self.sender, self.rcpts = line.split(":", 1)[1].strip(" <>"), []
            self.reply("250 OK")
        elif verb == "RCPT":
            self.rcpts.append(line.split(":", 1)[1].strip(" <>"))
            self.reply("250 OK")
        elif verb == "DATA":
            self.reply("354 end with .")
            self.reply(self.fake._take(self.sender, self.rcpts, self._data()))
        elif verb == "QUIT":
            self.reply("221 bye")
            return False
        else:
            self.reply("250 OK")
        return True

    def _data(self) -> str:
        lines = []
        while (line := self.rfile.readline().decode()) not in (".\r\n", ".\n", ""):
            lines.append(line)
        return "".join(lines)


@dataclass
class FakeSmtp:
    """State and server; ``with FakeSmtp() as smtp:`` serves on 127.0.0.1:``smtp.port``."""

    messages: list[Mail] = field(default_factory=list)
    fail_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> FakeSmtp:
        state = self

        class Handler(_Handler):
            fake = state

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def _take(self, sender: str, rcpts: list[str], data: str) -> str:
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return "451 try again later"
            self.messages.append(Mail(sender, rcpts, data))
        return "250 queued"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
