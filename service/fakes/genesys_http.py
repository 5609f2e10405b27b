"""What every blueprint of the Genesys fake shares: its error, its state and request helpers.

The blueprints (``genesys_routes``, ``genesys_media``, ...) and the app (``genesys``) import
from here; nothing here imports them, so the fake's imports only point down.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask import current_app, request

from service.genesys.formats import parse_genesys_datetime

if TYPE_CHECKING:  # the type only: the app module imports this one
    from service.fakes.genesys import FakeGenesys

Json = dict[str, Any]


class FakeError(Exception):
    """An error answer in the Genesys error shape."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def fake() -> FakeGenesys:
    """The FakeGenesys behind the current request."""
    instance: FakeGenesys = current_app.extensions["fake_genesys"]
    return instance


def body() -> Json:
    """The JSON object body, or a 400."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise FakeError(400, "bad.request", "A JSON object body is required.")
    return data


def now() -> datetime:
    """The fake's clock (UTC)."""
    return datetime.now(UTC)


def parse_time(value: Any, field: str) -> datetime:
    """A date-time in the documented ``yyyy-MM-ddTHH:mm:ss[.mmm]Z`` form, or a 400 naming the field.

    As strict as the API documents: no date-only values, no offsets, no microseconds.
    """
    try:
        return parse_genesys_datetime(value)
    except ValueError:
        raise FakeError(
            400, "bad.request", f"{field} must be an ISO-8601 date-time yyyy-MM-ddTHH:mm:ss[.mmm]Z"
        ) from None


def parse_interval(value: Any, field: str = "interval") -> tuple[datetime, datetime]:
    """``start/end`` date-times (the documented example ``YYYY-MM-DDThh:mm:ss/...``, UTC, or
    with ``[.mmm]Z``), start before end; anything else is a 400 naming the field.
    """
    parts = value.split("/") if isinstance(value, str) else []
    try:
        first, last = (parse_genesys_datetime(p if p.endswith("Z") else p + "Z") for p in parts)
    except ValueError:
        raise FakeError(
            400,
            "bad.request",
            f"{field} must be an ISO-8601 interval: two yyyy-MM-ddTHH:mm:ss[.mmm]Z joined by /",
        ) from None
    if last <= first:
        raise FakeError(400, "bad.request", f"{field} must end after it starts")
    return first, last


def ref_id(value: Any) -> str:
    """The id of ``{"id": ...}`` or a bare id."""
    return str(value.get("id") or "") if isinstance(value, dict) else str(value or "")


def public(obj: Json) -> Json:
    """A stored object without the fake's underscored bookkeeping keys."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def not_found(kind: str) -> FakeError:
    """A Genesys-style 404."""
    return FakeError(404, "not.found", f"The requested {kind} could not be found.")


def page(items: list[Json], default_size: int = 25) -> Json:
    """Genesys paging over ``items`` from ``pageSize``/``pageNumber``."""
    size = max(1, min(int(request.args.get("pageSize", default_size)), 500))
    number = max(1, int(request.args.get("pageNumber", 1)))
    total = len(items)
    return {
        "entities": items[(number - 1) * size : number * size],
        "pageSize": size,
        "pageNumber": number,
        "total": total,
        "pageCount": max(1, -(-total // size)),
    }
