"""Programs on the database: scheduled sessions with a frozen clock, outages, racing workers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from service.calibration.jobs import PERIODIC, PROGRAM_TICK
from service.calibration.models import CalibrationSession
from service.calibration.programs import service
from service.calibration.programs.models import CalibrationProgramRun
from service.calibration.programs.schemas import ProgramSpec
from service.db import get_db
from service.jobs import periodic
from service.jobs.models import Job
from tests.calibration.helpers import ALICE, BOB


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


CANDIDATES = [
    {
        "conversationId": f"conv-{i}",
        "agentId": f"agent-{i}",
        "talkSeconds": 300,
        "handleSeconds": 100 * i,
    }
    for i in range(1, 5)
]


def spec(**over: Any) -> ProgramSpec:
    body: dict[str, Any] = {
        "name": "Team A monthly",
        "formId": "form-1",
        "cadence": "monthly",
        "day": 31,
        "time": "09:00",
        "timezone": "Europe/Berlin",
        "panel": [ALICE, BOB],
        "calibrators": ["cal-a", "cal-b", "cal-c"],
        "interactions": 2,
        "selection": {"source": "inline", "candidates": CANDIDATES, "seed": 3},
        "deadlineDays": 7,
    }
    body.update(over)
    return ProgramSpec.model_validate(body)


def load(app, now: datetime, *specs: ProgramSpec) -> None:
    with get_db(app).session_scope() as db:
        service.load(db, list(specs), now=now)


def tick(app, now: datetime) -> list[dict[str, Any]]:
    with get_db(app).session_scope() as db:
        return service.run_due(db, now=now, settings=app.config["QM_SETTINGS"])["created"]


def runs(app) -> list[tuple[str, str, str]]:
    with get_db(app).session_scope() as db:
        rows = db.scalars(select(CalibrationProgramRun).order_by(CalibrationProgramRun.period_key))
        return [(r.period_key, r.calibrator_id, r.rotation_reason) for r in rows]


def session_count(app) -> int:
    with get_db(app).session_scope() as db:
        return int(db.scalar(select(func.count()).select_from(CalibrationSession)) or 0)


def test_monthly_program_across_month_ends_dst_and_an_outage(app):
    load(app, utc(2026, 1, 15), spec())
    # 31 January 09:00 in Berlin (CET) is 08:00 UTC.
    assert tick(app, utc(2026, 1, 31, 7, 59)) == []
    (made,) = tick(app, utc(2026, 1, 31, 8, 0))
    assert made["period"] == "2026-01-31" and made["calibrator"] == "cal-a"
    assert tick(app, utc(2026, 1, 31, 8, 0)) == [] and tick(app, utc(2026, 2, 20)) == []
    # February has no 31st: its last day.
    assert [m["period"] for m in tick(app, utc(2026, 2, 28, 8, 0))] == ["2026-02-28"]
    # After the spring change (29 March) 09:00 CEST is 07:00 UTC.
    assert tick(app, utc(2026, 3, 31, 6, 59)) == []
    assert [m["period"] for m in tick(app, utc(2026, 3, 31, 7, 0))] == ["2026-03-31"]
    # The worker is down from April to early July: only June's period is created, once.
    recovery = utc(2026, 7, 3, 12, 0)
    assert [m["period"] for m in tick(app, recovery)] == ["2026-06-30"]
    assert tick(app, recovery + timedelta(minutes=5)) == []
    assert tick(app, recovery + timedelta(days=1)) == []
    assert runs(app) == [
        ("2026-01-31", "cal-a", "first"),
        ("2026-02-28", "cal-b", "rotation"),
        ("2026-03-31", "cal-c", "rotation"),
        ("2026-06-30", "cal-a", "rotation"),
    ]
    assert session_count(app) == 4
    with get_db(app).session_scope() as db:
        late = db.scalar(select(CalibrationSession).where(CalibrationSession.name.like("%06-30")))
        assert late is not None
        deadline = late.deadline.replace(tzinfo=UTC)
        assert deadline == recovery + timedelta(days=7)  # a full window from the recovery
        assert late.expert_id == "cal-a" and len(late.interactions) == 2
        assert {p.evaluator_id for p in late.panel} == {"cal-a", ALICE, BOB}


def test_weekly_new_york_program_keeps_nine_o_clock_across_dst(app):
    load(
        app,
        utc(2026, 3, 1),
        spec(name="NY weekly", cadence="weekly", weekday=0, timezone="America/New_York"),
    )
    assert [m["period"] for m in tick(app, utc(2026, 3, 2, 14, 0))] == ["2026-03-02"]  # EST
    assert tick(app, utc(2026, 3, 9, 12, 59)) == []
    assert [m["period"] for m in tick(app, utc(2026, 3, 9, 13, 0))] == ["2026-03-09"]  # EDT
    with get_db(app).session_scope() as db:
        times = [
            r.scheduled_for.replace(tzinfo=UTC)
            for r in db.scalars(
                select(CalibrationProgramRun).order_by(CalibrationProgramRun.period_key)
            )
        ]
    assert times == [utc(2026, 3, 2, 14, 0), utc(2026, 3, 9, 13, 0)]


def test_no_session_for_periods_before_the_program_existed(app):
    load(app, utc(2026, 2, 10), spec())
    assert tick(app, utc(2026, 2, 10, 12, 0)) == []  # January's period predates it


def test_inactive_programs_create_nothing(app):
    load(app, utc(2026, 1, 1), spec(active=False))
    assert tick(app, utc(2026, 1, 31, 9, 0)) == []


def test_two_workers_racing_on_the_same_period_create_one_session(app):
    load(app, utc(2026, 1, 15), spec())
    now = utc(2026, 1, 31, 8, 0)
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def worker() -> None:
        barrier.wait()
        try:
            results.append(tick(app, now))
        except Exception as exc:  # surfaced below
            results.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(len(r) for r in results) == [0, 1]
    assert session_count(app) == 1 and len(runs(app)) == 1


def test_the_tick_is_a_periodic_job_declared_as_data(app, monkeypatch):
    assert [p.kind for p in PERIODIC] == [PROGRAM_TICK]
    assert PROGRAM_TICK in [p.kind for p in periodic.declared()]
    now = utc(2026, 1, 31, 8, 1)
    with get_db(app).session_scope() as db:
        assert periodic.enqueue_due(db, now) >= 1
        assert periodic.enqueue_due(db, now + timedelta(seconds=30)) == 0  # same slot
    with get_db(app).session_scope() as db:
        keys = list(db.scalars(select(Job.idempotency_key).where(Job.kind == PROGRAM_TICK)))
    assert keys == [periodic.slot_key(PERIODIC[0], now)]
    load(app, utc(2026, 1, 15), spec())
    monkeypatch.setattr("service.calibration.programs.jobs.utcnow", lambda: now)
    from service.jobs.service import drain

    drain(app, app.config["QM_SETTINGS"])
    assert session_count(app) == 1
    with get_db(app).session_scope() as db:
        job = db.scalar(select(Job).where(Job.kind == PROGRAM_TICK))
        assert job.state == "done" and job.result["created"][0]["period"] == "2026-01-31"


def test_yaml_round_trip_and_cli(app, tmp_path, monkeypatch):
    text = """
programs:
  - name: New team bi-weekly
    formId: form-1
    cadence: biweekly
    weekday: 2
    time: "08:30"
    timezone: America/New_York
    startDate: 2026-01-05
    panel: [user-alice, user-bob]
    calibrators: [cal-a, cal-b]
    rotation: {periodsPerCalibrator: 2, onDrift: rotate_out}
  - name: Leadership quarterly
    kind: calibrators
    formId: form-1
    panel: [lead-1, lead-2, lead-3]
    calibrators: [cal-a, cal-b]
"""
    specs = service.parse_yaml(text)
    assert specs[1].cadence == "quarterly"  # the seed's default for calibrating calibrators
    with get_db(app).session_scope() as db:
        service.load(db, specs)
        exported = service.export_yaml(db)
    again = sorted(service.parse_yaml(exported), key=lambda s: s.name)
    assert [s.model_dump() for s in again] == [
        s.model_dump() for s in sorted(specs, key=lambda s: s.name)
    ]


def test_programs_cli_load_list_export(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from service.cli import main

    monkeypatch.setenv("QM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("QM_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    path = tmp_path / "programs.yaml"
    path.write_text(service.export_yaml_of([spec()]))
    runner = CliRunner()
    loaded = runner.invoke(main, ["calibration", "programs", "load", str(path)])
    assert loaded.exit_code == 0, loaded.output
    assert "loaded 1 programs (1 new): Team A monthly" in loaded.output
    listed = runner.invoke(main, ["calibration", "programs", "list"])
    assert listed.exit_code == 0 and '"cadence": "monthly"' in listed.output
    exported = runner.invoke(main, ["calibration", "programs", "export"])
    assert service.parse_yaml(exported.output)[0] == spec()
    path.write_text("programs:\n  - name: x\n    formId: f\n    calibrators: []\n")
    bad = runner.invoke(main, ["calibration", "programs", "load", str(path)])
    assert bad.exit_code != 0 and "calibrators" in bad.output


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timezone", "Mars/Olympus"),
        ("timezone", "America"),  # a directory of the zone database: not a zone
        ("timezone", "/etc/localtime"),
        ("timezone", "a" * 300),
        ("time", "25:00"),
        ("time", "9:00"),
        ("cadence", "daily"),
        ("calibrators", []),
        ("day", 32),
        ("weekday", 7),
        ("deadlineDays", 0),
    ],
)
def test_invalid_programs_are_refused_with_the_field(field, value):
    from service.errors import InvalidInput

    doc = spec().export() | {field: value}
    import yaml

    with pytest.raises(InvalidInput) as info:
        service.parse_yaml(yaml.safe_dump({"programs": [doc]}))
    assert info.value.code == "invalid_programs"
    assert any(field in e["field"] for e in info.value.errors)


def test_the_worker_loop_enqueues_the_tick_once_per_slot(app, monkeypatch):
    from service.jobs import worker

    def ticks() -> int:  # other domains' periodic jobs (hourly ones) share the 08:00 slot
        with get_db(app).session_scope() as db:
            return len(list(db.scalars(select(Job.kind).where(Job.kind == PROGRAM_TICK))))

    clock = [utc(2026, 1, 31, 8, 0, 0)]
    monkeypatch.setattr(worker, "utcnow", lambda: clock[0])
    worker.enqueue_periodic(app)
    assert ticks() == 1
    clock[0] += timedelta(seconds=299)
    assert worker.enqueue_periodic(app) == 0  # same 5-minute slot, from any worker
    clock[0] += timedelta(seconds=1)
    assert worker.enqueue_periodic(app) == 1  # the next slot
    assert ticks() == 2


def test_the_documented_programs_file_is_valid():
    from pathlib import Path

    text = Path("docs/calibration.md").read_text()
    section = text.split("## Programs: calibration on a fixed schedule", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    specs = service.parse_yaml(block)
    assert [s.cadence for s in specs] == ["monthly", "quarterly"]
    assert specs[1].kind == "calibrators"


def test_programs_rest_api(client, settings):
    from tests.calibration.helpers import BASE, people

    p = people(settings)
    body = spec().export()
    created = client.post(f"{BASE}/programs", json=body, headers=p["admin"])
    assert created.status_code == 201, created.get_json()
    program = created.get_json()
    assert program["spec"]["timezone"] == "Europe/Berlin" and program["runs"] == []
    assert program["nextPeriod"] and program["nextAt"]
    again = client.post(f"{BASE}/programs", json={**body, "day": 15}, headers=p["admin"])
    assert again.status_code == 200 and again.get_json()["spec"]["day"] == 15
    one = client.get(f"{BASE}/programs/{program['id']}", headers=p["supervisor"])
    assert one.status_code == 200 and one.get_json()["id"] == program["id"]
    assert client.get(f"{BASE}/programs/nope", headers=p["admin"]).status_code == 404
    bad = client.post(f"{BASE}/programs", json={**body, "timezone": "America"}, headers=p["admin"])
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "timezone"
    assert client.post(f"{BASE}/programs", json=body, headers=p["supervisor"]).status_code == 403
    assert client.get(f"{BASE}/programs", headers=p["alice"]).status_code == 403
    assert client.post(f"{BASE}/programs/tick", headers=p["supervisor"]).status_code == 403
