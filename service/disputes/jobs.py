"""Dispute background jobs: fill a review from Genesys, write a round's changes back."""

from __future__ import annotations

from typing import Any

from service.disputes import sync
from service.genesys import get_genesys
from service.genesys.api import GenesysError, GenesysNotFound, GenesysUnavailable
from service.jobs.registry import JobContext, PermanentFailure, RetryLater, job_handler


@job_handler("disputes.sync")
def run_sync(ctx: JobContext) -> dict[str, Any]:
    """Complete a review opened from an event (questions, form, manager) from Genesys."""
    genesys = get_genesys(ctx.app)
    if genesys is None:
        return {"filled": False, "reason": "genesys_not_configured"}
    try:
        filled = sync.fill_from_genesys(
            ctx.session, genesys=genesys, evaluation_id=ctx.payload["evaluation_id"]
        )
    except GenesysUnavailable as exc:
        raise RetryLater(str(exc), retry_after=exc.retry_after) from exc
    except GenesysNotFound:
        return {"filled": False, "reason": "evaluation_not_found"}
    return {"filled": filled}


@job_handler("disputes.writeback")
def run_writeback(ctx: JobContext) -> dict[str, Any]:
    """Write one round's changed answers to Genesys (once), then queue the re-triage.

    A refusal from Genesys (4xx) dead-letters the job: the review shows ``writebackState``
    ``failed`` and ``qmloop jobs retry`` replays it once the cause is fixed.
    """
    p = ctx.payload
    try:
        return sync.write_back(
            ctx.session,
            genesys=get_genesys(ctx.app),
            review_id=p["review_id"],
            round_number=int(p["round"]),
        )
    except GenesysUnavailable as exc:
        raise RetryLater(str(exc), retry_after=exc.retry_after) from exc
    except (GenesysError, GenesysNotFound) as exc:
        raise PermanentFailure(f"{type(exc).__name__}: {exc}") from exc
