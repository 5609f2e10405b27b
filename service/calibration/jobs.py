"""Background work: mirror each session interaction into a Genesys calibration."""

from __future__ import annotations

import logging
from typing import Any

from service.calibration.models import CalibrationInteraction
from service.calibration.sources import calibration_body
from service.genesys import get_genesys
from service.genesys.api import GenesysError, GenesysNotFound, GenesysUnavailable
from service.jobs.periodic import Periodic
from service.jobs.registry import JobContext, PermanentFailure, RetryLater, job_handler

MIRROR_ONE = "calibration.mirror_one"
AI_SCORE = "calibration.ai_score"  # handled in ai_panel.py
PROGRAM_TICK = "calibration.program_tick"  # handled in programs/jobs.py

# Declared as data: the worker enqueues one tick per 5-minute slot (service/jobs/periodic.py).
PERIODIC = (Periodic(PROGRAM_TICK, every_seconds=300),)
log = logging.getLogger("qmloop.calibration")


@job_handler(MIRROR_ONE)
def mirror_one(ctx: JobContext) -> dict[str, Any]:
    """Create the Genesys calibration of one interaction, once (one job per interaction)."""
    genesys = get_genesys(ctx.app)
    if genesys is None:
        raise PermanentFailure("Genesys is not configured")
    interaction = ctx.session.get(CalibrationInteraction, ctx.payload["interactionId"])
    if interaction is None:
        return {"skipped": "interaction deleted"}
    if interaction.genesys_calibration_id:
        return {"calibrationId": interaction.genesys_calibration_id, "created": False}
    if ctx.attempt > 1:
        # An earlier attempt may have created it and lost the answer: look before creating.
        found = _existing(genesys, interaction)
        if found:
            interaction.genesys_calibration_id = found
            return {"calibrationId": found, "created": False, "adopted": True}
    try:
        created = genesys.create_calibration(calibration_body(interaction.session, interaction))
    except GenesysError as exc:
        raise PermanentFailure(f"Genesys refused the calibration: {exc.detail}") from exc
    except GenesysUnavailable as exc:
        raise RetryLater(str(exc), exc.retry_after) from exc
    interaction.genesys_calibration_id = str(created.get("id") or "")
    return {"calibrationId": interaction.genesys_calibration_id, "created": True}


def _existing(genesys: Any, interaction: CalibrationInteraction) -> str:
    """The id of a calibration already made for this interaction, or "" (none or no lookup)."""
    sess = interaction.session
    params = {
        "calibratorId": sess.calibrator_id,
        "conversationId": interaction.conversation_id,
        "pageSize": 100,
    }
    try:
        listing = genesys.request("GET", "/api/v2/quality/calibrations", params=params) or {}
    except GenesysUnavailable as exc:
        raise RetryLater(str(exc), exc.retry_after) from exc
    except (GenesysNotFound, GenesysError):
        log.warning("calibration lookup unavailable; creating for %s", interaction.id)
        return ""
    for entity in listing.get("entities") or []:
        same_conversation = (entity.get("conversation") or {}).get(
            "id"
        ) == interaction.conversation_id
        same_form = (entity.get("evaluationForm") or {}).get("id") in (None, sess.form_id)
        if same_conversation and same_form and entity.get("id"):
            return str(entity["id"])
    return ""
