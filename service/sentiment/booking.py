"""Book a sentiment coaching appointment in the best free slot (the ``coaching.deliver`` job).

Order: an appointment already carrying our marker is reused (the job may rerun after a crash);
candidates come from Genesys schedule-slot suggestions, or, where that API answers 403, from
the agent's WFM schedule and the business unit's intraday forecast; the facilitator's external
calendar filters them when configured; each candidate is tried with ``addToSchedule: true``
and an overlap refusal moves on to the next. Nothing fits: the policy's fallback target with
reason ``no_slot``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from service.coaching import targets
from service.coaching.models import CoachingAssignment
from service.coaching.targets import TargetContext
from service.db import utcnow
from service.genesys.api import GenesysApi, GenesysError
from service.jobs.registry import PermanentFailure, RetryLater
from service.sentiment import policies, slots
from service.sentiment.calendar import CalendarUnavailable, calendar_for
from service.sentiment.models import SentimentSession
from service.sentiment.policies import ResolvedSentimentPolicy
from service.sentiment.slots import Interval, Slot

log = logging.getLogger(__name__)

MAX_TRIES = 8
CALENDAR_ATTEMPTS = 3  # "retry": this many delivery attempts, then book with a visible flag
WFM = "/api/v2/workforcemanagement"


def _session_of(a: CoachingAssignment) -> tuple[Session, SentimentSession]:
    db = object_session(a)
    if db is None:
        raise PermanentFailure("assignment is not attached to a session")
    plan = db.scalar(select(SentimentSession).where(SentimentSession.assignment_id == a.id))
    if plan is None:
        raise PermanentFailure(f"no sentiment session planned for assignment {a.id}")
    return db, plan


def _facilitator(api: GenesysApi, plan: SentimentSession, agent_id: str) -> str:
    if plan.facilitator_id:
        return plan.facilitator_id
    manager = (api.get_user(agent_id) or {}).get("manager") or {}
    plan.facilitator_id = str(manager.get("id") or "") if isinstance(manager, dict) else ""
    return plan.facilitator_id


def suggested_slots(
    api: GenesysApi, agent_id: str, facilitator: str, minutes: int, start: datetime, end: datetime
) -> list[Slot] | None:
    """Ranked Genesys suggestions; None when the API is not licensed (403)."""
    query: dict[str, Any] = {
        "interval": f"{start.isoformat()}/{end.isoformat()}",
        "lengthInMinutes": minutes,
        "attendeeIds": [agent_id],
        "facilitatorIds": [facilitator] if facilitator else [],
    }
    try:
        found = api.query_schedule_slots(query) or {}
    except GenesysError as exc:
        if exc.upstream_status == 403:
            return None
        raise
    return slots.rank_suggested(slots.suggested(found.get("suggestedSlots") or [], minutes))


def _async_result(api: GenesysApi, answer: dict[str, Any], what: str) -> dict[str, Any]:
    """The ``result`` inline or behind ``downloadUrl``; still processing means retry later."""
    if answer.get("result"):
        return dict(answer["result"])
    if answer.get("downloadUrl"):
        return dict(api.download_transcript(str(answer["downloadUrl"])) or {})
    raise RetryLater(f"{what} is still {answer.get('status', 'processing')}", retry_after=30)


def computed_slots(
    api: GenesysApi,
    agent_id: str,
    busy: list[Interval],
    policy: ResolvedSentimentPolicy,
    minutes: int,
    window: tuple[datetime, datetime],
) -> list[Slot]:
    """Slots from the agent's WFM schedule and the intraday forecast of its business unit."""
    start, end = window
    unit = api.request("GET", f"{WFM}/agents/{agent_id}/managementunit")
    bu = str(((unit or {}).get("businessUnit") or {}).get("id") or "")
    if not bu:
        return []
    search = api.request(
        "POST",
        f"{WFM}/businessunits/{bu}/agentschedules/search",
        json={"startDate": start.isoformat(), "endDate": end.isoformat(), "userIds": [agent_id]},
    )
    schedule = _async_result(api, search or {}, "agent schedule search")
    codes = api.request("GET", f"{WFM}/businessunits/{bu}/activitycodes") or {}
    on_queue = {
        str(c.get("id"))
        for c in codes.get("entities") or []
        if str(c.get("category", "")).lower() == "onqueuework"
    }
    shifts, blocked = slots.schedule_blocks(schedule, agent_id, on_queue)
    forecast: dict[datetime, slots.Forecast] = {}
    for day in sorted({s[0].date() for s in shifts}):
        answer = api.request(
            "POST",
            f"{WFM}/businessunits/{bu}/intraday",
            json={"businessUnitDate": day.isoformat(), "intervalLengthMinutes": 15},
        )
        forecast.update(slots.intraday_forecast(_async_result(api, answer or {}, "intraday")))
    return slots.computed(
        shifts,
        blocked + busy,
        forecast,
        minutes=minutes,
        earliest=start,
        latest=end,
        sl_target=policy.service_level_target,
    )


def _calendar_busy(
    ctx: TargetContext,
    api: GenesysApi,
    facilitator: str,
    policy: ResolvedSentimentPolicy,
    window: tuple[datetime, datetime],
) -> tuple[list[Interval], str]:
    """The facilitator's external busy times, and a flag when the calendar was not checked."""
    calendar = calendar_for(ctx.settings)
    if calendar is None or not facilitator:
        return [], ""
    email = str((api.get_user(facilitator) or {}).get("email") or "")
    if not email:
        return [], "calendar_unchecked:no_email"
    try:
        return calendar.busy(email, *window), ""
    except CalendarUnavailable as exc:
        if policy.calendar_unreachable == "retry" and ctx.attempt < CALENDAR_ATTEMPTS:
            raise RetryLater(f"calendar: {exc}", retry_after=exc.retry_after) from exc
        log.warning("calendar unavailable (%s): booking on Genesys availability alone", exc)
        flag = "calendar_unchecked"
        return [], flag if policy.calendar_unreachable != "retry" else f"{flag}_after_retries"


def _body(a: CoachingAssignment, plan: SentimentSession, facilitator: str, slot: Slot) -> Any:
    body: dict[str, Any] = {
        "name": "Coaching: customer sentiment pattern",
        "description": plan.description + "\n" + targets._marker(a.evaluation_id),
        "dateStart": slot.start.isoformat().replace("+00:00", "Z"),
        "lengthInMinutes": slot.minutes,
        "attendeeIds": [a.agent_id],
        "conversationIds": list(plan.conversation_ids),
        "addToSchedule": True,
    }
    if facilitator:
        body["facilitatorId"] = facilitator
    if slot.wfm_schedule:
        body["wfmSchedule"] = slot.wfm_schedule
    return body


def _candidates(
    ctx: TargetContext,
    api: GenesysApi,
    a: CoachingAssignment,
    plan: SentimentSession,
    policy: ResolvedSentimentPolicy,
    facilitator: str,
) -> tuple[list[Slot], str]:
    now = utcnow()
    start = slots.ceil_quarter(now + timedelta(hours=1))
    window = (start, slots.business_horizon(now, policy.horizon_business_days))
    busy, flag = _calendar_busy(ctx, api, facilitator, policy, window)
    found = suggested_slots(api, a.agent_id, facilitator, plan.length_minutes, *window)
    if found is None:
        found = computed_slots(api, a.agent_id, busy, policy, plan.length_minutes, window)
    return slots.choose(found, busy), flag


def _why(slot: Slot, flag: str) -> str:
    if slot.source == "computed":
        text = f"computed from WFM: lowest predicted occupancy {slot.occupancy:.0%}"
    else:
        text = f"Genesys suggestion: {slot.rating}, staffing difference {slot.difference:+g}"
    return f"{text}; {flag}" if flag else text


class SentimentPlanner:
    """The ``genesys_coaching_appointment`` delivery of assignments with trigger ``sentiment``."""

    def deliver(self, assignment: CoachingAssignment, ctx: TargetContext) -> str:
        """Book the appointment (or reuse ours); raises ``RetryLater`` / ``PermanentFailure``."""
        db, plan = _session_of(assignment)
        if plan.appointment_id:
            return plan.appointment_id
        api = targets._api(ctx)
        found = targets.AppointmentTarget()._existing(api, assignment, utcnow())
        if found:
            plan.appointment_id = found
            return found
        policy = policies.resolve(db, plan.queue_id)
        facilitator = _facilitator(api, plan, assignment.agent_id)
        candidates, flag = _candidates(ctx, api, assignment, plan, policy, facilitator)
        for slot in candidates[:MAX_TRIES]:
            try:
                created = api.create_coaching_appointment(
                    _body(assignment, plan, facilitator, slot)
                )
            except GenesysError as exc:
                if exc.upstream_status >= 500 or exc.upstream_status == 429:
                    raise
                log.info("slot %s refused (%s): %s", slot.start, exc.upstream_status, exc.body)
                continue
            plan.appointment_id = str(created.get("id", ""))
            plan.appointment_start, plan.slot_source = slot.start, slot.source
            plan.slot_reason = _why(slot, flag)
            return plan.appointment_id
        return self._fallback(assignment, ctx, plan, policy)

    def _fallback(
        self,
        a: CoachingAssignment,
        ctx: TargetContext,
        plan: SentimentSession,
        policy: ResolvedSentimentPolicy,
    ) -> str:
        plan.slot_source, plan.slot_reason = "none", "no_slot"
        a.target, a.target_reason = policy.fallback_target, "no_slot"
        log.warning("no coaching slot for %s in the horizon: %s", a.id, policy.fallback_target)
        return targets.TARGETS[policy.fallback_target].deliver(a, ctx)


def register() -> None:
    """Route sentiment assignments of the appointment target to this planner."""
    targets.PLANNERS["sentiment"] = SentimentPlanner()
