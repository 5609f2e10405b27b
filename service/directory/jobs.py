"""The hourly directory sync (declared as data: ``service/jobs/periodic.py``)."""

from __future__ import annotations

from typing import Any

from service.directory import service
from service.genesys import get_genesys
from service.genesys.api import GenesysUnavailable
from service.jobs.periodic import Periodic
from service.jobs.registry import JobContext, RetryLater, job_handler

SYNC = "directory.sync"
PERIODIC = (Periodic(SYNC, every_seconds=3600),)


@job_handler(SYNC)
def sync(ctx: JobContext) -> dict[str, Any]:
    """Copy the Genesys users and their divisions; nothing to do without Genesys configured."""
    api = get_genesys(ctx.app)
    if api is None:
        return {"users": 0, "skipped": "genesys not configured"}
    try:
        return {"users": service.sync_users(ctx.session, api)}
    except GenesysUnavailable as exc:
        raise RetryLater(str(exc), retry_after=60) from exc
