"""Program use cases: load and export specs, the scheduler tick, the calibrators report.

The tick (``run_due``) creates at most one session per program per period: the run row's
unique (program, period) key is inserted first with ``INSERT ... ON CONFLICT DO NOTHING``, so
two workers racing on the same period create one session. After an outage only the latest
missed period is created (earlier missed ones are not: a calibration of stale interactions
helps nobody), with a full answering window from its creation.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.rules import Principal
from service.calibration import reports, reveal
from service.calibration import service as sessions
from service.calibration.programs import rules
from service.calibration.programs.models import CalibrationProgram, CalibrationProgramRun
from service.calibration.programs.schemas import ProgramsIn, ProgramSpec
from service.calibration.schemas import SelectionIn, SessionCreateIn
from service.db import insert_or_ignore, new_id, utcnow
from service.errors import InvalidInput, NotFound
from service.policies import rules as yaml_files
from service.settings import Settings
from service.webhooks import payloads
from service.webhooks.service import emit

log = logging.getLogger("qmloop.calibration.programs")
SCHEDULER = Principal(subject="scheduler", role="integration", user_id="")


def cadence_of(spec: ProgramSpec) -> rules.Cadence:
    """The pure cadence of a validated spec."""
    hour, minute = (int(x) for x in spec.time.split(":"))
    return rules.Cadence(
        every=spec.cadence or "monthly",
        timezone=spec.timezone,
        at=time(hour, minute),
        weekday=spec.weekday,
        day=spec.day,
        start=spec.startDate or date(2000, 1, 3),
    )


def load(db: Session, specs: list[ProgramSpec], now: datetime | None = None) -> dict[str, int]:
    """Create or replace programs by name; returns ``{"created": n, "updated": m}``.

    A new program's first period is the first one at or after ``now`` (its creation): loading
    a program never creates sessions for periods before it existed.
    """
    created = updated = 0
    for spec in specs:
        found = db.scalar(select(CalibrationProgram).where(CalibrationProgram.name == spec.name))
        if found is None:
            found = CalibrationProgram(name=spec.name, created_at=now or utcnow())
            db.add(found)
            created += 1
        else:
            updated += 1
        found.kind, found.form_id, found.active = spec.kind, spec.formId, spec.active
        found.spec = spec.export()
    db.flush()
    return {"created": created, "updated": updated}


def all_programs(db: Session) -> list[CalibrationProgram]:
    """Every program, by name."""
    return list(db.scalars(select(CalibrationProgram).order_by(CalibrationProgram.name)))


def get(db: Session, program_id: str) -> CalibrationProgram:
    """A program by id; raises ``NotFound``."""
    found = db.get(CalibrationProgram, program_id)
    if found is None:
        raise NotFound("No such calibration program.", code="program_not_found")
    return found


def runs(db: Session, program_id: str) -> list[CalibrationProgramRun]:
    """A program's runs (its rotation history), oldest first."""
    query = select(CalibrationProgramRun).where(CalibrationProgramRun.program_id == program_id)
    return list(db.scalars(query.order_by(CalibrationProgramRun.scheduled_for)))


def flagged_calibrators(db: Session, settings: Settings, now: datetime, days: int) -> frozenset:
    """Experts the drift report flags over the last ``days`` (revealed sessions)."""
    found = reports.revealed_sessions(db, now=now, since=now - timedelta(days=days))
    drift = reports.calibrator_drift(found, settings)
    return frozenset(drift["summary"]["flagged"])


# --- the tick ---


def run_due(
    db: Session, *, now: datetime, settings: Settings, genesys: Any = None
) -> dict[str, list[dict[str, Any]]]:
    """Create the session of every program's latest due period that has none yet."""
    created, skipped = [], []
    for program in all_programs(db):
        if not program.active:
            continue
        spec = ProgramSpec.model_validate(program.spec)
        due = rules.latest_due(cadence_of(spec), now)
        if due is None or due[1] < reveal.aware(program.created_at):
            continue
        try:
            with db.begin_nested():
                made = _create_period(db, program, spec, due, now, settings, genesys)
        except InvalidInput as exc:
            log.warning("program %s period %s not created: %s", program.name, due[0], exc)
            skipped.append({"program": program.name, "period": due[0], "reason": exc.code})
            continue
        if made is not None:
            created.append(made)
    return {"created": created, "skipped": skipped}


def _create_period(
    db: Session,
    program: CalibrationProgram,
    spec: ProgramSpec,
    due: tuple[str, datetime],
    now: datetime,
    settings: Settings,
    genesys: Any,
) -> dict[str, Any] | None:
    """Claim the period (unique key) and create its session; None when already claimed."""
    key, scheduled = due
    latest = runs(db, program.id)
    if latest and latest[-1].period_key >= key:
        return None  # this period, or a later one, exists: nothing missed to create
    values = {"id": new_id(), "program_id": program.id, "period_key": key}
    run = insert_or_ignore(db, CalibrationProgramRun, {**values, "scheduled_for": scheduled})
    if run is None:
        return None  # another worker claimed it
    history = [r.calibrator_id for r in latest if r.calibrator_id]
    flagged = flagged_calibrators(db, settings, now, spec.lookbackDays)
    calibrator, reason = rules.next_calibrator(
        spec.calibrators,
        history,
        per_term=spec.rotation.periodsPerCalibrator,
        flagged=flagged,
        on_drift=spec.rotation.onDrift,
    )
    deadline = rules.deadline_for(scheduled, now, timedelta(days=spec.deadlineDays))
    body = _session_body(db, spec, key, calibrator, deadline, now)
    sess = sessions.create(
        db, data=body, principal=SCHEDULER, settings=settings, genesys=genesys, now=now
    )
    people = sorted(sessions.panel_ids(sess))
    run.session_id, run.calibrator_id, run.rotation_reason = sess.id, calibrator, reason
    run.notified = people
    db.flush()
    _notify(program, sess.id, key, people, sess.deadline)
    emit(
        db, "calibration.scheduled", payloads.calibration_scheduled(sess, program.name, key, people)
    )
    return {"program": program.name, "period": key, "sessionId": sess.id, "calibrator": calibrator}


def _session_body(
    db: Session, spec: ProgramSpec, key: str, calibrator: str, deadline: datetime, now: datetime
) -> SessionCreateIn:
    """The session of one period: the rotated expert, the panel, drawn interactions."""
    common: dict[str, Any] = {
        "name": f"{spec.name} {key}",
        "formId": spec.formId,
        "deadline": deadline,
        "aiEvaluatorIds": spec.aiEvaluatorIds,
        "mirrorToGenesys": spec.mirrorToGenesys,
        "questions": spec.questions,
    }
    if spec.kind == "calibrators":
        picks = expert_conversations(db, spec, now)
        if not picks:
            raise InvalidInput("No expert-scored conversation to review.", code="nothing_to_review")
        leaders = spec.panel
        return SessionCreateIn(
            **common,
            expertId=leaders[0],
            evaluatorIds=leaders[1:],
            interactions=[{"conversationId": c} for c in picks],
        )
    selection = SelectionIn.model_validate(
        {**spec.selection.model_dump(), "count": spec.interactions}
    )
    panel = [p for p in spec.panel if p != calibrator]
    return SessionCreateIn(**common, expertId=calibrator, evaluatorIds=panel, selection=selection)


def _notify(program: CalibrationProgram, session_id: str, key: str, people: list, deadline: Any):
    """Log the scheduled session (``calibration.session_scheduled``); the caller also emits the
    ``calibration.scheduled`` webhook event, which is how the panel is told outside QM Loop."""
    log.info(
        "calibration.session_scheduled",
        extra={
            "program": program.name,
            "period": key,
            "session_id": session_id,
            "panelists": people,
            "deadline": deadline.isoformat(),
        },
    )


# --- calibration of calibrators ---


def expert_conversations(db: Session, spec: ProgramSpec, now: datetime) -> list[str]:
    """Recent conversations each pool calibrator scored as expert (revealed sessions).

    Round-robin over the calibrators, newest first, up to ``interactions`` conversations, so
    every calibrator is represented.
    """
    found = reports.revealed_sessions(
        db, now=now, form_id=spec.formId, since=now - timedelta(days=spec.lookbackDays)
    )
    per: dict[str, list[str]] = defaultdict(list)
    for r in reversed(found):
        if r.sess.expert_id not in spec.calibrators:
            continue
        scored = sorted({x.interaction_id for x in r.ratings if x.evaluator_id == r.sess.expert_id})
        per[r.sess.expert_id] += [c for c in scored if c not in per[r.sess.expert_id]]
    picks: list[str] = []
    while len(picks) < spec.interactions and any(per.values()):
        for calibrator in spec.calibrators:
            if per[calibrator] and len(picks) < spec.interactions:
                conv = per[calibrator].pop(0)
                if conv not in picks:
                    picks.append(conv)
    return picks


def calibration_sessions_of_calibrators(db: Session) -> set[str]:
    """Ids of sessions created by ``kind: calibrators`` programs."""
    query = (
        select(CalibrationProgramRun.session_id)
        .join(CalibrationProgram, CalibrationProgram.id == CalibrationProgramRun.program_id)
        .where(CalibrationProgram.kind == "calibrators")
    )
    return {sid for sid in db.scalars(query) if sid}


def _percents(rating: Any) -> dict[str, float]:
    return {q: a.percent for q, a in rating.answers.items() if a.percent is not None}


def calibrators_report(
    db: Session, *, session_id: str, principal: Principal, settings: Settings, now: datetime
) -> dict[str, Any]:
    """Each calibrator's expert scores against the leadership consensus of a revealed session.

    Blind like every report: before the reveal ``status`` is the session's and nothing else is
    filled. Expert scores come from other revealed sessions of the same form (not calibrations
    of calibrators) on the conversations the leadership scored.
    """
    sess = sessions.visible_session(db, session_id=session_id, principal=principal)
    sessions.require_staff(principal)
    state = sessions.progress(db, sess, now)
    gap = settings.calibration_drift_gap
    empty = {"sessionId": sess.id, "status": state.status, "gap": gap, "calibrators": []}
    if not state.revealed:
        return {**empty, "flagged": [], "note": "not revealed yet: nothing is shown"}
    shown = sessions.shown_scores(sessions.session_scores(db, sess), state)[0]
    leaders = sessions.to_ratings(sess, shown)
    grouped: dict[str, list[tuple[float, dict[str, float]]]] = defaultdict(list)
    for x in leaders:
        if x.kind == "human":
            grouped[x.interaction_id].append((x.total, _percents(x)))
    consensus = rules.leadership_consensus(grouped)
    skip = calibration_sessions_of_calibrators(db) | {sess.id}
    expert = [
        rules.ExpertScore(r.sess.expert_id, x.interaction_id, x.total, _percents(x))
        for r in reports.revealed_sessions(db, now=now, form_id=sess.form_id)
        if r.sess.id not in skip
        for x in r.ratings
        if x.evaluator_id == r.sess.expert_id and x.interaction_id in consensus
    ]
    rows = rules.calibrators_against_leadership(expert, consensus, gap=gap)
    flagged = [r["calibrator_id"] for r in rows if r["unchallenged_standard"]]
    note = "" if rows else "no calibrator's expert score on these conversations"
    return {**empty, "calibrators": rows, "flagged": flagged, "note": note}


# --- YAML ---


def parse_yaml(text: str) -> list[ProgramSpec]:
    """Validate a programs YAML document (``programs: [...]`` or a list).

    Raises ``InvalidInput`` (``bad_yaml``, or ``invalid_programs`` with every field error).
    """
    found = yaml_files.parse_yaml(
        text, ProgramsIn, list_key="programs", what="programs file", code="invalid_programs"
    )
    return found.programs


def export_yaml(db: Session) -> str:
    """Every program as a YAML document ``parse_yaml`` reads back."""
    return export_yaml_of([ProgramSpec.model_validate(p.spec) for p in all_programs(db)])


def export_yaml_of(specs: list[ProgramSpec]) -> str:
    """Program specs as a ``programs:`` YAML document."""
    return yaml_files.dump_yaml("programs", [s.export() for s in specs])
