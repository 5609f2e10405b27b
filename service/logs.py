"""Structured JSON logs carrying the Genesys ``ININ-Correlation-Id`` of each request."""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Flask, Response, g, has_request_context, request

_RESERVED = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}
# Terminal colour codes (werkzeug colours its request lines): never inside a JSON log line.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# Query parameters whose values are credentials in the URLs operators paste (webhooks, DSNs).
_SECRET_PARAMS = {
    "access_token",
    "api_key",
    "apikey",
    "client_secret",
    "code",
    "key",
    "password",
    "secret",
    "sig",
    "signature",
    "token",
}
# Libraries that log credentials at DEBUG: authlib logs every issued token ("Issue token %r");
# urllib3 logs each request line with its query, which for a pre-signed transcript URL holds the
# signature that grants access. Our clients log their own calls without those.
_SECRET_LOGGERS = ("authlib", "urllib3.connectionpool")


def redact_url(url: str) -> str:
    """``url`` with its password and credential-like query values replaced by ``***``.

    The one helper for printing a URL (database, webhook, LLM, Genesys); an unparsable URL
    comes back as ``***``.
    """
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "***"
    shown = url
    if password is not None:
        userinfo, _, host = parts.netloc.rpartition("@")
        shown = shown.replace(parts.netloc, f"{userinfo.partition(':')[0]}:***@{host}", 1)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if any(key.lower() in _SECRET_PARAMS for key, _ in pairs):
        masked = [(k, "***" if k.lower() in _SECRET_PARAMS else v) for k, v in pairs]
        shown = shown.replace("?" + parts.query, "?" + urlencode(masked, safe="*"), 1)
    return shown


def quiet_secret_loggers() -> None:
    """Keep libraries that log token values at DEBUG at INFO, whatever the root level."""
    for name in _SECRET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)


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
    quiet_secret_loggers()
    # Alembic announces each of its plugins at INFO when imported; that is not news.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def init_request_logging(app: Flask) -> None:
    """Read or mint a correlation id per request, echo it back and log each request."""
    log = logging.getLogger("qmloop.request")
    quiet_secret_loggers()  # also under gunicorn, which does not call configure_logging

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
