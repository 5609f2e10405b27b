"""What every ``qmloop`` command shares: one error line and exit code per failure, and output.

Exit codes (documented in the README's command table):

- ``0``: done.
- ``1``: could not do the work (a database, a model or Genesys failed or refused, a file could
  not be written, a check failed).
- ``2``: bad usage or input (an option, a file's content, a setting, an unknown id).

Every failure prints one line, ``error: <what, naming the file, field or setting>; <what to do>``,
on stderr. ``qmloop --debug ...`` lets the exception through with its traceback instead.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from service.settings import settings_error_lines

F = TypeVar("F", bound=Callable[..., Any])

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

log = logging.getLogger(__name__)


class CliError(click.ClickException):
    """One line on stderr and an exit code: 1 (could not do the work) unless told otherwise."""

    default_exit_code = EXIT_FAILED

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.exit_code = self.default_exit_code if exit_code is None else exit_code  # type: ignore[misc]

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class InputError(CliError):
    """Bad input (a file's content, a setting, an unknown id): exit code 2."""

    default_exit_code = EXIT_BAD_INPUT


class GenesysIdType(click.ParamType):
    """A Genesys id given on the command line (user, division): stripped, not empty, at most 128
    characters (the id columns' size) and no control characters; else a usage error (exit 2)."""

    name = "id"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        if not text:
            self.fail("must not be empty", param, ctx)
        if len(text) > 128:
            self.fail(f"at most 128 characters (got {len(text)})", param, ctx)
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
            self.fail("must not contain control characters", param, ctx)
        return text


GENESYS_ID = GenesysIdType()


# --- translating exceptions ---------------------------------------------------------------


def settings_message(exc: ValidationError) -> str:
    """``setting QM_X: <message>; fix ...`` for a Settings validation error (one line).

    The per-setting lines come from :func:`service.settings.settings_error_lines`; no input
    value is echoed, so a secret or a password in a URL never reaches the terminal.
    """
    lines = settings_error_lines(exc)
    return f"setting {'; '.join(lines)}; fix the environment variable (or unset it for the default)"


def validation_message(exc: ValidationError) -> str:
    """``<field>: <message>`` pairs of any other pydantic validation error."""
    parts = []
    for err in exc.errors(include_url=False, include_input=False):
        field = ".".join(str(p) for p in err.get("loc", ()))
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{field}: {message}" if field else message)
    return f"{exc.title}: {'; '.join(parts)}"


def _database_message(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    if re.search(r"no such table|does not exist|UndefinedTable", text):
        return (
            f"the database has no schema yet ({text}); run `qmloop db upgrade` "
            "(or check QM_DATABASE_URL points at the right database)"
        )
    return f"database: {text}; check QM_DATABASE_URL and that the database answers"


def _os_message(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}"


def translate(exc: Exception) -> CliError | None:
    """The one line and exit code for an exception, or None when click handles it itself."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    from service.db import DatabaseUrlError
    from service.errors import ServiceError

    if isinstance(exc, click.exceptions.ClickException | click.exceptions.Exit):
        return None
    if isinstance(exc, click.exceptions.Abort):
        return None
    if isinstance(exc, ValidationError):
        if exc.title == "Settings":
            return InputError(settings_message(exc))
        return InputError(validation_message(exc))
    if isinstance(exc, ServiceError):
        code = EXIT_BAD_INPUT if exc.status in (400, 404, 413, 422) else EXIT_FAILED
        lines = [exc.detail, *(f"{e['field']}: {e['message']}" for e in exc.errors or [])]
        return CliError("; ".join(lines), code)
    if isinstance(exc, DatabaseUrlError):  # its message masks the password
        return InputError(
            f"setting {exc}; use e.g. sqlite:///instance/qmloop.db or "
            "postgresql+psycopg://user@host/dbname"
        )
    if isinstance(exc, OperationalError | DBAPIError):
        return CliError(_database_message(exc))
    if isinstance(exc, UnicodeDecodeError):
        return InputError(f"an input is not UTF-8 text ({exc.reason}); save it as UTF-8")
    if isinstance(exc, OSError):
        return CliError(_os_message(exc))
    return _translate_network(exc) or CliError(
        f"unexpected {type(exc).__name__}: {exc}; rerun as `qmloop --debug ...` for the "
        "traceback and report it"
    )


def _translate_network(exc: Exception) -> CliError | None:
    import requests

    if isinstance(exc, requests.ConnectionError):
        url = getattr(exc.request, "url", "") if exc.request is not None else ""
        return CliError(f"could not reach {url or 'a remote service'}: check that it is running")
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        resp = exc.response
        return CliError(f"{resp.url} answered {resp.status_code}: {resp.text[:200]}")
    return None


class QmGroup(click.Group):
    """The root group: every exception of every command becomes one line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if (ctx.obj or {}).get("debug"):
                raise
            mapped = translate(exc)
            if mapped is None:
                raise
            log.debug("command failed", exc_info=True)
            raise mapped from exc


def check_port_free(host: str, port: int) -> None:
    """Raise ``CliError`` naming the port when something already listens on it."""
    import socket

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise CliError(
            f"port {port} on {host}: {exc.strerror or exc}; stop what uses it or pick another "
            "with --port"
        ) from exc


# --- reading inputs --------------------------------------------------------------------------


def read_json_file(path: str | Path, what: str = "JSON") -> Any:
    """A file's JSON; raises ``InputError`` naming the file, line and column."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason}); give a {what} file") from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            f"give a {what} file"
        ) from exc


# --- output --------------------------------------------------------------------------------


def format_option(default: str = "table") -> Callable[[F], F]:
    """``--format table|json`` (json carries every field in full)."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json"]),
        default=default,
        show_default=True,
        help="json: every field in full, for scripts.",
    )


def echo_json(data: Any) -> None:
    """Print JSON, indented."""
    click.echo(json.dumps(data, indent=2, default=str, allow_nan=False))


def render_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], width: int = 0) -> str:
    """A plain table that fits ``width`` columns (the terminal's by default).

    Every column but the last is as wide as its widest cell; the last column (free text such as
    an error) wraps onto further lines instead of being cut, so nothing is lost (it keeps at
    least 20 columns, so very wide leading columns can still overflow a narrow terminal).
    """
    width = width or shutil.get_terminal_size((120, 24)).columns
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers[:-1])]
    indent = sum(widths) + 2 * len(widths)
    last_width = max(20, width - indent)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers[:-1], widths, strict=True))]
    out[0] = (out[0] + "  " + headers[-1]).rstrip() if widths else headers[-1]
    for row in cells:
        head = "  ".join(v.ljust(w) for v, w in zip(row[:-1], widths, strict=True))
        # Words longer than the column (ids) are split across lines; nothing is dropped.
        wrapped = textwrap.wrap(row[-1], last_width, break_on_hyphens=False) or [""]
        out.append(((head + "  ") if widths else "") + wrapped[0])
        out.extend(" " * indent + more for more in wrapped[1:])
    return "\n".join(line.rstrip() for line in out)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return " ".join(str(value).split())


def counts_line(counts: dict[str, int], order: Sequence[str]) -> str:
    """``queued 2, running 0, done 7, dead 1`` in a fixed order (zeros included)."""
    return ", ".join(f"{name} {counts.get(name, 0)}" for name in order)
