"""The program scheduler's periodic tick (declared in ``service.calibration.jobs.PERIODIC``)."""

from __future__ import annotations

from typing import Any

from service.calibration.jobs import PROGRAM_TICK
from service.calibration.programs.service import run_due
from service.db import utcnow
from service.genesys import get_genesys
from service.jobs.registry import JobContext, job_handler


@job_handler(PROGRAM_TICK)
def program_tick(ctx: JobContext) -> dict[str, Any]:
    """Create every program's due session that does not exist yet (once per period)."""
    return run_due(ctx.session, now=utcnow(), settings=ctx.settings, genesys=get_genesys(ctx.app))
