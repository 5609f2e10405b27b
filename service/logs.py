"""Structured JSON logs carrying the Genesys ``ININ-Correlation-Id`` of each request."""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

_RESERVED = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}
# Terminal colour codes (werkzeug colours its request lines): never inside a JSON log line.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class CorrelationFilter(logging.Filter):
    """Attach the request's correlation id (or the job's) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "correlation_id", None):
            record.correlation_id = g.get("correlation_id", "") if has_request_context() else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra fields passed with ``extra=`` are kept."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": _ANSI.sub("", record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def configure_logging(level: str = "INFO", as_json: bool = True) -> None:
    """Install the handler on the root logger once (called by the CLI, never at import)."""
    root = logging.getLogger()
    if any(getattr(h, "_qmloop", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler._qmloop = True  # type: ignore[attr-defined]
    handler.addFilter(CorrelationFilter())
    handler.setFormatter(
        JsonFormatter() if as_json else logging.Formatter("%(levelname)s %(name)s %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(level.upper())


def init_request_logging(app: Flask) -> None:
    """Read or mint a correlation id per request, echo it back and log each request."""
    log = logging.getLogger("qmloop.request")

    @app.before_request
    def _correlate() -> None:
        incoming = request.headers.get("ININ-Correlation-Id", "")[:128]
        g.correlation_id = incoming or str(uuid.uuid4())

    @app.after_request
    def _log(resp: Response) -> Response:
        resp.headers["ININ-Correlation-Id"] = g.get("correlation_id", "")
        if not log.isEnabledFor(logging.INFO):
            return resp
        log.info(
            "%s %s %s",
            request.method,
            request.path,
            resp.status_code,
            extra={
                "correlation_id": g.get("correlation_id", ""),
                "org_id": request.headers.get("ININ-Organization-Id", ""),
                "status": resp.status_code,
            },
        )
        return resp
