"""``POST /api/v1/replay``: replay a period under the stored or candidate policies."""

from __future__ import annotations

from flask import Blueprint, Response

from service import get_settings
from service.api import parse_body, respond, route
from service.db import get_session
from service.genesys import get_genesys
from service.replay import service
from service.replay.schemas import ReplayIn, ReplayReport

bp = Blueprint("replay", __name__)


@route(
    bp,
    "post",
    "/api/v1/replay",
    "Replay a period under the current or candidate policies",
    body=ReplayIn,
    response=ReplayReport,
    tag="replay",
)
def run_replay() -> Response:
    """What the policies would have done to the period's evaluations and interactions, per
    week, team and agent; with ``compareYaml``, two policies side by side. No side effects."""
    body = parse_body(ReplayIn)
    report = service.replay(
        get_session(), settings=get_settings(), genesys=get_genesys(), body=body
    )
    return respond(report)
