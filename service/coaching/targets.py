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

import contextlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import requests

from service.coaching import rules
from service.coaching.models import ArchiveTask, CoachingAssignment
from service.coaching.schemas import TargetOptions
from service.db import utcnow
from service.genesys.api import GenesysApi, GenesysError, GenesysNotFound
from service.genesys.formats import (
    DATETIME_PATTERN,
    end_of_day,
    genesys_datetime,
    genesys_interval,
)
from service.jobs.registry import PermanentFailure, RetryLater
from service.logs import redact_url
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
    reason: str = ""  # why a withdrawal happens (``evaluation_retracted``, ...)
    attempt: int = 1  # the delivery job's attempt (1-based)


class Target(Protocol):
    """Deliver one assignment, or take a delivered one back."""

    def deliver(self, assignment: CoachingAssignment, ctx: TargetContext) -> str:
        """Create the external item; returns its id ("" when there is none)."""
        ...

    def withdraw(self, assignment: CoachingAssignment, ctx: TargetContext) -> bool:
        """Remove the external item unless the agent started it; True when they had."""
        ...


def _withdraw_genesys(api: GenesysApi, path: str, state_key: str, target: str) -> bool:
    """Read the item's state; started: leave it (True); else delete it (False). Gone: False."""
    try:
        item = api.request("GET", path) or {}
    except GenesysNotFound:
        return False
    if rules.target_started(target, str(item.get(state_key) or "")):
        return True
    with contextlib.suppress(GenesysNotFound):  # deleted meanwhile: what we wanted
        api.request("DELETE", path)
    return False


def _api(ctx: TargetContext) -> GenesysApi:
    if ctx.genesys is None:
        # Decided at assignment time; reaching here means Genesys was switched off since.
        raise PermanentFailure("Genesys is not configured for a genesys_* target")
    return ctx.genesys


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

    def withdraw(self, assignment: CoachingAssignment, ctx: TargetContext) -> bool:
        return assignment.started_at is not None


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
            "dateDue": end_of_day(assignment.due_date),
            "externalTag": assignment.evaluation_id,
            "description": (_describe(assignment) + " " + _marker(assignment.evaluation_id))[:512],
        }
        if ctx.options.workitem_priority is not None:
            body["priority"] = ctx.options.workitem_priority
        return str(api.create_workitem(body).get("id", ""))

    def withdraw(self, assignment: CoachingAssignment, ctx: TargetContext) -> bool:
        path = f"/api/v2/taskmanagement/workitems/{assignment.external_id}"
        return _withdraw_genesys(_api(ctx), path, "statusCategory", assignment.target)


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
            "recommendedCompletionDate": end_of_day(assignment.due_date),
            "addToSchedule": ctx.options.add_to_schedule,
        }
        return str(api.create_learning_assignment(body).get("id", ""))

    def withdraw(self, assignment: CoachingAssignment, ctx: TargetContext) -> bool:
        path = f"/api/v2/learning/assignments/{assignment.external_id}"
        return _withdraw_genesys(_api(ctx), path, "state", assignment.target)


def _slot_start(slot: dict[str, Any]) -> str:
    """A suggested slot's start as sent back on create: as is when already in the documented
    format, else re-written in it (a slot computed elsewhere may carry ``+00:00``)."""
    text = str(slot.get("dateStart") or "")
    if DATETIME_PATTERN.match(text):
        return text
    try:
        return genesys_datetime(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return text  # not a date-time at all: let Genesys refuse it (a 4xx tries the next slot)


class Planner(Protocol):
    """Books a trigger's own appointment (withdrawal stays the appointment target's)."""

    def deliver(self, assignment: CoachingAssignment, ctx: TargetContext) -> str: ...


# Triggers that plan their own appointment (sentiment: slot finding, pattern conversations).
PLANNERS: dict[str, Planner] = {}


class AppointmentTarget:
    """A Genesys coaching appointment in the best free slot before the due date."""

    def _existing(self, api: GenesysApi, a: CoachingAssignment, now: datetime) -> str:
        interval = genesys_interval(now - timedelta(days=7), now + timedelta(weeks=6))
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
            "interval": genesys_interval(start, end),
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
            "dateStart": _slot_start(slot),
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
        if assignment.trigger in PLANNERS:
            return PLANNERS[assignment.trigger].deliver(assignment, ctx)
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

    def withdraw(self, assignment: CoachingAssignment, ctx: TargetContext) -> bool:
        path = f"/api/v2/coaching/appointments/{assignment.external_id}"
        return _withdraw_genesys(_api(ctx), path, "status", assignment.target)


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


def _lms_post(ctx: TargetContext, payload: dict[str, Any], key: str) -> requests.Response:
    s = ctx.settings
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    secret = s.lms_webhook_secret.get_secret_value()
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": key,
        "X-QMLoop-Signature": rules.lms_signature(secret, int(time.time()), body),
    }
    try:
        # Never follow redirects: that would re-post the signed body to another host.
        return requests.post(
            s.lms_webhook_url,
            data=body,
            headers=headers,
            timeout=s.lms_webhook_timeout_seconds,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise RetryLater(f"LMS webhook unreachable: {type(exc).__name__}") from exc


class LmsWebhookTarget:
    """An HMAC-signed POST to ``QM_LMS_WEBHOOK_URL`` (Cornerstone, SuccessFactors, in-house)."""

    def deliver(self, assignment: CoachingAssignment, ctx: TargetContext) -> str:
        return _lms_result(_lms_post(ctx, lms_payload(assignment), assignment.evaluation_id))

    def withdraw(self, assignment: CoachingAssignment, ctx: TargetContext) -> bool:
        """``coaching.withdrawn``; the LMS answers 409 when the learner already started."""
        payload = {
            **lms_payload(assignment),
            "event": "coaching.withdrawn",
            "reason": ctx.reason,
            "externalId": assignment.external_id,
        }
        resp = _lms_post(ctx, payload, f"{assignment.evaluation_id}:withdrawn")
        if resp.status_code == 409:
            return True
        _lms_result(resp)
        return False


def _lms_result(resp: requests.Response) -> str:
    if 300 <= resp.status_code < 400:
        raise PermanentFailure(
            f"LMS webhook answered {resp.status_code} (a redirect to "
            f"{redact_url(resp.headers.get('Location', '?'))}); redirects are not followed: "
            "set QM_LMS_WEBHOOK_URL to the final URL"
        )
    if resp.status_code == 429 or resp.status_code >= 500 or resp.status_code == 408:
        retry_after = resp.headers.get("Retry-After", "")
        delay = float(retry_after) if retry_after.isdigit() else None
        raise RetryLater(f"LMS webhook answered {resp.status_code}", retry_after=delay)
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
