"""Program routes, attached to the calibration blueprint (``views`` imports this module)."""

from __future__ import annotations

from typing import Any

from flask import Response

from service import get_settings
from service.api import parse_body, respond, route
from service.auth.views import current_principal
from service.calibration.blueprint import BASE, bp, genesys_api
from service.calibration.programs import rules, service
from service.calibration.programs.models import CalibrationProgram
from service.calibration.programs.schemas import (
    CalibratorsReportOut,
    ProgramList,
    ProgramOut,
    ProgramSpec,
    RunOut,
    TickOut,
)
from service.calibration.service import require_staff
from service.db import get_session, utcnow
from service.errors import Forbidden


def _admin() -> None:
    if current_principal().role not in ("admin", "integration"):
        raise Forbidden("Only an admin can change calibration programs.", code="admin_only")


def program_out(program: CalibrationProgram) -> ProgramOut:
    """A program with its next period and its runs (the rotation history)."""
    spec = ProgramSpec.model_validate(program.spec)
    upcoming = rules.next_due(service.cadence_of(spec), utcnow()) if program.active else None
    runs = [
        RunOut(
            periodKey=r.period_key,
            scheduledFor=r.scheduled_for.isoformat(),
            sessionId=r.session_id,
            calibratorId=r.calibrator_id,
            rotationReason=r.rotation_reason,
            notified=list(r.notified or []),
        )
        for r in service.runs(get_session(), program.id)
    ]
    return ProgramOut(
        id=program.id,
        name=program.name,
        kind=program.kind,
        formId=program.form_id,
        active=program.active,
        spec=program.spec,
        nextPeriod=upcoming[0] if upcoming else None,
        nextAt=upcoming[1].isoformat() if upcoming else None,
        runs=runs,
    )


@route(bp, "get", f"{BASE}/programs", "Calibration programs", response=ProgramList)
def list_programs() -> Response:
    """Staff: every program with its next period and history."""
    require_staff(current_principal())
    found = service.all_programs(get_session())
    return respond(ProgramList(programs=[program_out(p) for p in found]))


@route(
    bp,
    "post",
    f"{BASE}/programs",
    "Create or replace a calibration program (by name)",
    body=ProgramSpec,
    response=ProgramOut,
)
def put_program() -> Response:
    """Admin: load one program spec (the same fields as the YAML)."""
    _admin()
    spec = parse_body(ProgramSpec)
    db = get_session()
    counts = service.load(db, [spec])
    program = next(p for p in service.all_programs(db) if p.name == spec.name)
    return respond(program_out(program), status=201 if counts["created"] else 200)


@route(bp, "get", f"{BASE}/programs/<program_id>", "One calibration program", response=ProgramOut)
def get_program(program_id: str) -> Response:
    """Staff: one program with its runs."""
    require_staff(current_principal())
    return respond(program_out(service.get(get_session(), program_id)))


@route(
    bp, "post", f"{BASE}/programs/tick", "Create the sessions that are due now", response=TickOut
)
def tick_programs() -> Response:
    """Admin: what the worker's periodic tick does (idempotent per period)."""
    _admin()
    made: dict[str, Any] = service.run_due(
        get_session(), now=utcnow(), settings=get_settings(), genesys=genesys_api()
    )
    return respond(TickOut(**made))


@route(
    bp,
    "get",
    f"{BASE}/sessions/<session_id>/calibrators-report",
    "Calibration of calibrators: each calibrator against the leadership consensus",
    response=CalibratorsReportOut,
)
def calibrators_vs_leadership(session_id: str) -> Response:
    """Staff: per calibrator, the gap to the leadership with a 95 % interval (once revealed)."""
    report = service.calibrators_report(
        get_session(),
        session_id=session_id,
        principal=current_principal(),
        settings=get_settings(),
        now=utcnow(),
    )
    return respond(CalibratorsReportOut(**report))
