"""Export downloads (streamed) and the BI read API: one paged, filtered route per export kind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, Response, current_app, stream_with_context

from service import get_settings
from service.api import parse_query, respond, route
from service.auth.views import current_principal
from service.db import get_db, get_session, utcnow
from service.exports import rules, service
from service.exports.catalog import all_kinds
from service.exports.registry import ExportKind
from service.exports.schemas import (
    ExportQuery,
    KindList,
    KindOut,
    bi_page_model,
    bi_query_model,
    bi_row_model,
)

bp = Blueprint("exports", __name__)

LIMITER_KEY = "qm_data_out_limiter"


def _spend() -> None:
    """Count this request against the caller's per-minute budget (429 when spent)."""
    current_app.extensions[LIMITER_KEY].check(current_principal().subject)


def _utc(value: datetime | None) -> datetime | None:
    return rules.instant(value) if value is not None else None


@route(
    bp,
    "get",
    "/api/v1/exports",
    "Export kinds and their columns",
    response=KindList,
    tag="data out",
)
def list_kinds() -> Response:
    """The data dictionary: every export kind, its key, filters and columns."""
    return respond(KindList(kinds=[KindOut.of(k) for k in all_kinds()]))


@route(
    bp,
    "get",
    "/api/v1/exports/<kind>",
    "Download an export (streamed CSV, JSON Lines or Parquet); the next run's cursor is in "
    "the X-QMLoop-Next-Cursor header",
    query=ExportQuery,
    tag="data out",
)
def download(kind: str) -> Response:
    """Stream one kind's rows in change order, in constant memory."""
    _spend()
    found = service.kind_or_404(kind)
    q = parse_query(ExportQuery)
    settings = get_settings()
    sel, next_cursor = service.export_window(
        settings, start=_utc(q.start), end=_utc(q.end), cursor=q.cursor
    )
    chunks = service.stream_export(get_db(), settings, found, q.format, sel)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    return Response(
        stream_with_context(chunks),
        mimetype=rules.MEDIA_TYPES[q.format],
        headers={
            "Content-Disposition": f'attachment; filename="{found.name}-{stamp}.{q.format}"',
            "X-QMLoop-Next-Cursor": next_cursor,
            "Cache-Control": "no-store",
        },
    )


def _bi_view(kind: ExportKind) -> Callable[[], Response]:
    query_model = bi_query_model(kind)
    page_model = bi_page_model(kind, bi_row_model(kind))

    def view() -> Response:
        _spend()
        q = parse_query(query_model)
        filters = {name: getattr(q, name) for name in kind.filters if getattr(q, name) is not None}
        ctx = service.ExportContext(get_session(), get_settings(), utcnow())
        found, last, more = service.page(
            ctx,
            kind,
            limit=q.limit,
            after=service.parse_cursor(q.cursor),
            filters=filters,
            start=_utc(q.start),
            end=_utc(q.end),
        )
        next_cursor = last.encode() if last is not None else None
        return respond(page_model(data=found, nextCursor=next_cursor, hasMore=more))

    view.__name__ = f"bi_{kind.name}"
    view.__doc__ = f"BI read API: {kind.description}"
    route(
        bp,
        "get",
        f"/api/v1/bi/{kind.name}",
        f"BI: {kind.description} Paged in change order (keyset cursor); past the per-client "
        "budget: 429 rate_limited with Retry-After.",
        query=query_model,
        response=page_model,
        tag="BI",
    )(view)
    return view


BI_VIEWS = {kind.name: _bi_view(kind) for kind in all_kinds()}
