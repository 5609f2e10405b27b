"""Background work: mirror each session interaction into a Genesys calibration."""

from __future__ import annotations

from typing import Any

from service.calibration.models import CalibrationInteraction
from service.calibration.sources import calibration_body
from service.genesys.api import GenesysError, GenesysUnavailable
from service.jobs.registry import JobContext, PermanentFailure, RetryLater, job_handler

MIRROR_ONE = "calibration.mirror_one"


@job_handler(MIRROR_ONE)
def mirror_one(ctx: JobContext) -> dict[str, Any]:
    """Create the Genesys calibration of one interaction, once (one job per interaction)."""
    genesys = ctx.app.extensions.get("genesys")
    if genesys is None:
        raise PermanentFailure("Genesys is not configured")
    interaction = ctx.session.get(CalibrationInteraction, ctx.payload["interactionId"])
    if interaction is None:
        return {"skipped": "interaction deleted"}
    if interaction.genesys_calibration_id:
        return {"calibrationId": interaction.genesys_calibration_id, "created": False}
    try:
        created = genesys.create_calibration(calibration_body(interaction.session, interaction))
    except GenesysError as exc:
        raise PermanentFailure(f"Genesys refused the calibration: {exc.detail}") from exc
    except GenesysUnavailable as exc:
        raise RetryLater(str(exc), exc.retry_after) from exc
    interaction.genesys_calibration_id = str(created.get("id") or "")
    return {"calibrationId": interaction.genesys_calibration_id, "created": True}
