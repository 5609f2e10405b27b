"""Where a coaching assignment is delivered, behind one small interface.

Every target is idempotent on its own side, because the delivery job may crash after the
external call and before its commit and then run again:
- ``genesys_workitem``: ``externalTag`` = evaluation id, queried before create;
- ``genesys_learning``: an open learning assignment of the same user and module is reused;
- ``genesys_coaching_appointment``: a marker with the evaluation id in the description, looked
  up among the agent's appointments before create;
- ``lms_webhook``: the payload and ``Idempotency-Key`` header carry the evaluation id.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import requests

from service.coaching import rules
from service.coaching.models import ArchiveTask, CoachingAssignment
from service.coaching.schemas import TargetOptions
from service.db import utcnow
from service.genesys.api import GenesysApi, GenesysError, GenesysNotFound
from service.jobs.registry import PermanentFailure, RetryLater
from service.limits.rules import retry_after_seconds
from service.settings import Settings

log = logging.getLogger(__name__)

MAX_SLOT_TRIES = 5
OPEN_LEARNING_STATES = {"assigned", "inprogress", "in_progress", "notstarted", ""}


@dataclass
class TargetContext:
    """What a target needs besides the assignment."""

    settings: Settings
    genesys: GenesysApi | None
    options: TargetOptions


class Target(Protocol):
    """Deliver one assignment; returns the external id ("" when there is none)."""

    def deliver(self, assignment: CoachingAssignment, ctx: TargetContext) -> str: ...


def _api(ctx: TargetContext) -> GenesysApi:
    if ctx.genesys is None:
        # Decided at assignment time; reaching here means Genesys was switched off since.
        raise PermanentFailure("Genesys is not configured for a genesys_* target")
    return ctx.genesys


def _due_iso(day: date) -> str:
    return f"{day.isoformat()}T23:59:59.000Z"


def _marker(evaluation_id: str) -> str:
    return f"[qmloop:{evaluation_id}]"


def _describe(a: CoachingAssignment) -> str:
    pct = f" ({a.percentage:.2f} %)" if a.percentage is not None else ""
    section = a.section_name or a.section_id
    text = f"Evaluation {a.evaluation_id}: section {section}{pct} is below the coaching threshold."
    if a.module_id:
        text += f" Module: {a.module_id}."
    return text


class LocalTarget:
    """The built-in coaching workspace: the assignment row is the deliverable."""

    def deliver(self, assignment: CoachingAssignment, ctx: TargetContext) -> str:
        return ""


class WorkitemTarget:
    """A Genesys Task Management workitem for the agent, tagged with the evaluation id."""

    def deliver(self, assignment: CoachingAssignment, ctx: TargetContext) -> str:
        api = _api(ctx)
        existing = api.find_workitem_by_external_tag(assignment.evaluation_id)
        if existing:
            return str(existing.get("id", ""))
        body: dict[str, Any] = {
            "name": f"Coaching: {assignment.section_name or assignment.section_id}"[:256],
            "typeId": ctx.options.workitem_type_id or ctx.settings.coaching_workitem_type_id,
            "assigneeId": assignment.agent_id,
            "dateDue": _due_iso(assignment.due_date),
            "externalTag": assignment.evaluation_id,
            "description": (_describe(assignment) + " " + _marker(assignment.evaluation_id))[:512],
        }
        if ctx.options.workitem_priority is not None:
            body["priority"] = ctx.options.workitem_priority
        return str(api.create_workitem(body).get("id", ""))


class LearningTarget:
    """A Genesys learning assignment of the mapped module."""

    def deliver(self, assignment: CoachingAssignment, ctx: TargetContext) -> str:
        api = _api(ctx)
        for found in api.find_learning_assignments(assignment.agent_id, assignment.module_id):
            if str(found.get("state", "")).lower() in OPEN_LEARNING_STATES:
                return str(found.get("id", ""))
        body = {
            "moduleId": assignment.module_id,
            "userId": assignment.agent_id,
            "recommendedCompletionDate": _due_iso(assignment.due_date),
            "addToSchedule": ctx.options.add_to_schedule,
        }
        return str(api.create_learning_assignment(body).get("id", ""))


class AppointmentTarget:
    """A Genesys coaching appointment in the best free slot before the due date."""

    def _existing(self, api: GenesysApi, a: CoachingAssignment, now: datetime) -> str:
        interval = f"{(now - timedelta(days=7)).date()}/{(now + timedelta(weeks=6)).date()}"
        try:
            page = api.request(
                "GET",
                "/api/v2/coaching/appointments",
                params={"userIds": a.agent_id, "interval": interval},
            )
        except (GenesysNotFound, GenesysError) as exc:
            if isinstance(exc, GenesysError) and exc.upstream_status != 405:
                raise
            # Genesys serves this list; 404/405 means a stand-in without it: nothing to reuse.
            log.warning("cannot list coaching appointments; replay protection is off")
            return ""
        for item in (page or {}).get("entities") or []:
            if _marker(a.evaluation_id) in str(item.get("description", "")):
                return str(item.get("id", ""))
        return ""

    def _slots(self, api: GenesysApi, a: CoachingAssignment, ctx: TargetContext, now: datetime):
        start = now + timedelta(days=1)
        end = max(datetime.combine(a.due_date, datetime.min.time(), now.tzinfo), start)
        end = min(end + timedelta(days=1), now + timedelta(weeks=6))
        query: dict[str, Any] = {
            "interval": f"{start.isoformat()}/{end.isoformat()}",
            "lengthInMinutes": ctx.options.appointment_minutes,
            "attendeeIds": [a.agent_id],
        }
        if ctx.options.facilitator_id:
            query["facilitatorIds"] = [ctx.options.facilitator_id]
        slots = (api.query_schedule_slots(query) or {}).get("suggestedSlots") or []
        # Good slots first (least staffing impact), then the rest in Genesys's order.
        return sorted(slots, key=lambda s: s.get("differenceRating") != "Good")

    def _body(self, a: CoachingAssignment, ctx: TargetContext, slot: dict[str, Any]):
        body: dict[str, Any] = {
            "name": f"Coaching: {a.section_name or a.section_id}"[:200],
            "description": _describe(a) + " " + _marker(a.evaluation_id),
            "dateStart": slot.get("dateStart"),
            "lengthInMinutes": slot.get("lengthInMinutes") or ctx.options.appointment_minutes,
            "attendeeIds": [a.agent_id],
            "conversationIds": [a.conversation_id] if a.conversation_id else [],
            "addToSchedule": ctx.options.add_to_schedule,
        }
        if slot.get("wfmSchedule"):
            body["wfmSchedule"] = slot["wfmSchedule"]
        if ctx.options.facilitator_id:
            body["facilitatorId"] = ctx.options.facilitator_id
        return body

    def deliver(self, assignment: CoachingAssignment, ctx: TargetContext) -> str:
        api, now = _api(ctx), utcnow()
        found = self._existing(api, assignment, now)
        if found:
            return found
        for slot in self._slots(api, assignment, ctx, now)[:MAX_SLOT_TRIES]:
            try:
                created = api.create_coaching_appointment(self._body(assignment, ctx, slot))
            except GenesysError as exc:
                # The overlap error's shape is undocumented: any 4xx means "try another slot".
                log.info("appointment slot refused (%s): %s", exc.upstream_status, exc.body)
                continue
            return str(created.get("id", ""))
        raise RetryLater("no free coaching slot before the due date", retry_after=3600)


def lms_payload(a: CoachingAssignment) -> dict[str, Any]:
    """The JSON an LMS receives; ``evaluationId`` is its idempotency key."""
    return {
        "event": "coaching.assigned",
        "assignmentId": a.id,
        "evaluationId": a.evaluation_id,
        "conversationId": a.conversation_id,
        "agentId": a.agent_id,
        "sectionId": a.section_id,
        "sectionName": a.section_name,
        "moduleId": a.module_id,
        "percentage": a.percentage,
        "dueDate": a.due_date.isoformat(),
    }


class LmsWebhookTarget:
    """An HMAC-signed POST to ``QM_LMS_WEBHOOK_URL`` (Cornerstone, SuccessFactors, in-house)."""

    def deliver(self, assignment: CoachingAssignment, ctx: TargetContext) -> str:
        s = ctx.settings
        body = json.dumps(lms_payload(assignment), separators=(",", ":")).encode("utf-8")
        secret = s.lms_webhook_secret.get_secret_value()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": assignment.evaluation_id,
            "X-QMLoop-Signature": rules.lms_signature(secret, int(time.time()), body),
        }
        try:
            resp = requests.post(
                s.lms_webhook_url, data=body, headers=headers, timeout=s.lms_webhook_timeout_seconds
            )
        except requests.RequestException as exc:
            raise RetryLater(f"LMS webhook unreachable: {type(exc).__name__}") from exc
        return _lms_result(resp)


def _lms_result(resp: requests.Response) -> str:
    if resp.status_code == 429 or resp.status_code >= 500 or resp.status_code == 408:
        raise RetryLater(
            f"LMS webhook answered {resp.status_code}",
            retry_after=retry_after_seconds(resp.headers),
        )
    if resp.status_code >= 400:
        raise PermanentFailure(f"LMS webhook refused: {resp.status_code} {resp.text[:200]}")
    try:
        data = resp.json()
    except ValueError:
        return ""
    return str(data.get("id", "")) if isinstance(data, dict) else ""


TARGETS: dict[str, Target] = {
    "local": LocalTarget(),
    "genesys_workitem": WorkitemTarget(),
    "genesys_learning": LearningTarget(),
    "genesys_coaching_appointment": AppointmentTarget(),
    "lms_webhook": LmsWebhookTarget(),
}


def archive_workitem(task: ArchiveTask, ctx: TargetContext) -> str:
    """A workitem asking the manager to archive an inactive agent's coaching record."""
    api = _api(ctx)
    tag = f"archive:{task.evaluation_id}"
    existing = api.find_workitem_by_external_tag(tag)
    if existing:
        return str(existing.get("id", ""))
    body = {
        "name": f"Archive coaching record of agent {task.agent_id}"[:256],
        "typeId": ctx.options.workitem_type_id or ctx.settings.coaching_workitem_type_id,
        "assigneeId": task.manager_id,
        "externalTag": tag,
        "description": (
            f"Evaluation {task.evaluation_id} called for coaching on "
            f"{task.section_name or task.section_id or 'a section'}, but agent {task.agent_id} "
            f"is {task.agent_state}. No assignment was made; please archive the coaching record."
        )[:512],
    }
    return str(api.create_workitem(body).get("id", ""))
