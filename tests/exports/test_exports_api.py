"""Exports and the BI API on SQLite and PostgreSQL: round trip, formats, cursors, paging, limits."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pyarrow.parquet as pq
import pytest
from sqlalchemy import update

from service.calibration.models import CalibrationScore
from service.coaching.models import CoachingAssignment
from service.db import get_db
from service.exports.catalog import get_kind
from tests.calibration import helpers as cal
from tests.conftest import basic_header
from tests.exports.helpers import assign, load_csv, scorings


def _export(client, kind: str, **query: str) -> tuple[bytes, str]:
    resp = client.get(f"/api/v1/exports/{kind}", query_string=query, headers=basic_header())
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.is_streamed
    return resp.get_data(), resp.headers["X-QMLoop-Next-Cursor"]


def test_round_trip_coaching_matches_the_service_report(app, client):
    ids = assign(client, 7)
    status = f"/api/v1/assignments/{ids[0]}/status"
    assert (
        client.post(status, json={"status": "completed"}, headers=basic_header()).status_code == 200
    )
    status = f"/api/v1/assignments/{ids[1]}/status"
    assert (
        client.post(status, json={"status": "cancelled"}, headers=basic_header()).status_code == 200
    )

    data, _cursor = _export(client, "coaching_assignments", format="csv")
    db = sqlite3.connect(":memory:")
    assert load_csv(db, get_kind("coaching_assignments"), data) == 7

    report = client.get("/api/v1/assignments", query_string={"limit": 500}, headers=basic_header())
    rows = report.get_json()["assignments"]
    by_status: dict[str, int] = {}
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + 1
    loaded = dict(db.execute("SELECT status, COUNT(*) FROM coaching_assignments GROUP BY status"))
    assert loaded == by_status == {"open": 5, "completed": 1, "cancelled": 1}
    total = db.execute("SELECT SUM(percentage) FROM coaching_assignments").fetchone()[0]
    assert total == pytest.approx(sum(r["percentage"] for r in rows))
    closed = db.execute("SELECT COUNT(*) FROM coaching_assignments WHERE closed_at IS NOT NULL")
    assert closed.fetchone()[0] == 2


def test_round_trip_scoring_answers_match_the_scoring_requests(app, client):
    ids = scorings(app, 4, items=3)
    data, _ = _export(client, "scoring_answers")
    db = sqlite3.connect(":memory:")
    assert load_csv(db, get_kind("scoring_answers"), data) == 12
    for request_id in ids:
        own = client.get(
            f"/api/v1/scoring/requests/{request_id}", headers=basic_header()
        ).get_json()
        items = own["result"]["items"]
        got = db.execute(
            "SELECT COUNT(*), SUM(points), SUM(evidence_verified) FROM scoring_answers "
            "WHERE scoring_request_id = ?",
            (request_id,),
        ).fetchone()
        assert got == (
            len(items),
            sum(i["score"] for i in items),
            sum(i["verified"] for i in items),
        )


def test_round_trip_calibration_scores_and_statistics(app, client, settings):
    sess = cal.create(client, settings)
    people = cal.people(settings)
    totals = {"expert": (80, 70), "alice": (75, 65), "bob": (90, 60)}
    for who, (one, two) in totals.items():
        assert cal.submit(client, people[who], sess["id"], "conv-1", one).status_code == 201
        assert cal.submit(client, people[who], sess["id"], "conv-2", two).status_code == 201
    admin = people["admin"]
    assert client.post(f"{cal.BASE}/sessions/{sess['id']}/close", headers=admin).status_code == 200
    report = client.get(f"{cal.BASE}/sessions/{sess['id']}/report", headers=admin).get_json()

    db = sqlite3.connect(":memory:")
    data, _ = _export(client, "calibration_scores")
    assert load_csv(db, get_kind("calibration_scores"), data) == 6
    count, total = db.execute("SELECT COUNT(*), SUM(total) FROM calibration_scores").fetchone()
    assert (count, total) == (6, sum(sum(v) for v in totals.values()))
    data, _ = _export(client, "calibration_answers")
    assert load_csv(db, get_kind("calibration_answers"), data) == 12
    data, _ = _export(client, "calibration_statistics")
    assert load_csv(db, get_kind("calibration_statistics"), data) == 1
    mean = db.execute("SELECT mean FROM calibration_statistics").fetchone()[0]
    assert mean == pytest.approx(report["statistics"]["summary"]["mean"])


def test_formats_carry_the_same_rows(app, client):
    assign(client, 3)
    csv_data, _ = _export(client, "coaching_assignments", format="csv")
    jsonl, _ = _export(client, "coaching_assignments", format="jsonl")
    parquet, _ = _export(client, "coaching_assignments", format="parquet")
    lines = [json.loads(line) for line in jsonl.decode().splitlines()]
    table = pq.read_table(io.BytesIO(parquet))
    kind = get_kind("coaching_assignments")
    assert table.column_names == kind.column_names == list(lines[0])
    assert table.num_rows == len(lines) == len(csv_data.decode().splitlines()) - 1 == 3
    ids = [r["assignment_id"] for r in lines]
    assert table.column("assignment_id").to_pylist() == ids
    assert str(table.schema.field("created_at").type) == "timestamp[us, tz=UTC]"
    assert str(table.schema.field("due_date").type) == "date32[day]"


def test_incremental_cursor_returns_only_what_changed(app, client):
    ids = assign(client, 4)
    first, cursor = _export(client, "coaching_assignments", format="jsonl")
    assert len(first.splitlines()) == 4
    again, cursor2 = _export(client, "coaching_assignments", format="jsonl", cursor=cursor)
    assert again == b""  # nothing changed since
    later = datetime.now(UTC) + timedelta(seconds=1)
    with get_db(app).session_scope() as s:
        s.execute(
            update(CoachingAssignment)
            .where(CoachingAssignment.id == ids[2])
            .values(status="completed", updated_at=later)
        )
    # The watermark of the previous run is "now": move the clock by waiting for it to pass.
    import time

    time.sleep(max(0.0, (later - datetime.now(UTC)).total_seconds()) + 0.05)
    changed, _ = _export(client, "coaching_assignments", format="jsonl", cursor=cursor2)
    rows = [json.loads(line) for line in changed.splitlines()]
    assert [(r["assignment_id"], r["status"]) for r in rows] == [(ids[2], "completed")]


def test_settle_window_holds_back_fresh_changes(app, client, settings):
    app.config["QM_SETTINGS"] = settings.model_copy(update={"export_settle_seconds": 3600})
    assign(client, 2)
    data, cursor = _export(client, "coaching_assignments", format="jsonl")
    assert data == b""
    app.config["QM_SETTINGS"] = settings
    data, _ = _export(client, "coaching_assignments", format="jsonl", cursor=cursor)
    assert len(data.splitlines()) == 2  # not lost: the next run picks them up


def test_from_to_select_on_when_the_fact_happened(app, client):
    ids = assign(client, 3)
    old = datetime(2026, 1, 10, tzinfo=UTC)
    with get_db(app).session_scope() as s:
        s.execute(
            update(CoachingAssignment).where(CoachingAssignment.id == ids[0]).values(created_at=old)
        )
    data, _ = _export(
        client, "coaching_assignments", format="jsonl", **{"from": "2026-01-10", "to": "2026-01-11"}
    )
    assert [json.loads(x)["assignment_id"] for x in data.splitlines()] == [ids[0]]


def test_bi_pages_with_a_keyset_cursor_inside_exploded_rows(app, client):
    scorings(app, 3, items=3)  # 9 answer rows from 3 source rows: pages end inside one
    full, _ = _export(client, "scoring_answers", format="jsonl")
    expected = [json.loads(x) for x in full.splitlines()]
    got, cursor, pages = [], None, 0
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        resp = client.get("/api/v1/bi/scoring_answers", query_string=query, headers=basic_header())
        assert resp.status_code == 200, resp.json
        body = resp.get_json()
        got += body["data"]
        cursor, pages = body["nextCursor"], pages + 1
        if not body["hasMore"]:
            break
    assert pages == 5
    assert [(r["scoring_request_id"], r["question_id"]) for r in got] == [
        (r["scoring_request_id"], r["question_id"]) for r in expected
    ]
    # Keeping the last cursor is an incremental sync: nothing new, nothing returned.
    resp = client.get(
        "/api/v1/bi/scoring_answers", query_string={"cursor": cursor}, headers=basic_header()
    )
    assert resp.get_json()["data"] == [] and resp.get_json()["nextCursor"] == cursor


def test_bi_filters(app, client):
    scorings(app, 4, items=2)
    resp = client.get(
        "/api/v1/bi/scoring_requests", query_string={"agent_id": "agent-1"}, headers=basic_header()
    )
    rows = resp.get_json()["data"]
    assert len(rows) == 2 and {r["agent_id"] for r in rows} == {"agent-1"}


@pytest.mark.parametrize(
    ("path", "query", "status", "code"),
    [
        ("/api/v1/exports/nope", {}, 404, "unknown_export_kind"),
        ("/api/v1/exports/coaching_assignments", {"cursor": "garbage"}, 400, "bad_cursor"),
        ("/api/v1/exports/coaching_assignments", {"format": "xlsx"}, 400, "validation_error"),
        (
            "/api/v1/exports/coaching_assignments",
            {"from": "2026-02-01", "to": "2026-01-01"},
            400,
            "bad_window",
        ),
        ("/api/v1/bi/coaching_assignments", {"limit": "0"}, 400, "validation_error"),
        ("/api/v1/bi/coaching_assignments", {"limit": "1001"}, 400, "validation_error"),
        ("/api/v1/bi/coaching_assignments", {"cursor": "eyJ2IjoyfQ"}, 400, "bad_cursor"),
    ],
)
def test_bad_requests_are_problems(app, client, path, query, status, code):
    resp = client.get(path, query_string=query, headers=basic_header())
    assert resp.status_code == status
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["code"] == code


def test_bi_limit_boundaries_are_accepted(app, client):
    for limit in ("1", "1000"):
        resp = client.get(
            "/api/v1/bi/coaching_assignments", query_string={"limit": limit}, headers=basic_header()
        )
        assert resp.status_code == 200


def test_agents_and_supervisors_may_not_export(app, client, settings):
    for role in ("agent", "supervisor"):
        headers = cal.bearer(settings, role, "user-1")
        assert (
            client.get("/api/v1/exports/coaching_assignments", headers=headers).status_code == 403
        )
        assert client.get("/api/v1/bi/coaching_assignments", headers=headers).status_code == 403
    admin = cal.bearer(settings, "admin", "user-a")
    assert client.get("/api/v1/bi/coaching_assignments", headers=admin).status_code == 200


def test_rate_limit_per_client_answers_429_with_retry_after(settings, tmp_path):
    from service import create_app

    app = create_app(settings.model_copy(update={"bi_requests_per_minute": 3}))
    client = app.test_client()
    path = "/api/v1/bi/coaching_assignments"
    for _ in range(3):
        assert client.get(path, headers=basic_header()).status_code == 200
    resp = client.get(path, headers=basic_header())
    assert resp.status_code == 429
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["code"] == "rate_limited"
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    other = cal.bearer(settings, "admin", "user-b")  # another client has its own budget
    assert client.get(path, headers=other).status_code == 200
    get_db(app).dispose()


def test_rate_limit_is_shared_by_app_instances_on_one_database(settings):
    """Two web workers (two apps, each with its own limiter) on one database: one budget."""
    from service import create_app

    limited = settings.model_copy(update={"bi_requests_per_minute": 4})
    first, second = create_app(limited), create_app(limited)
    a, b = first.test_client(), second.test_client()
    bi, export = "/api/v1/bi/coaching_assignments", "/api/v1/exports/coaching_assignments"
    assert [c.get(bi, headers=basic_header()).status_code for c in (a, b, a)] == [200] * 3
    assert b.get(export, headers=basic_header()).status_code == 200  # downloads count too
    for c in (a, b):  # the fifth request, wherever it lands, is over the shared budget
        resp = c.get(bi, headers=basic_header())
        assert resp.status_code == 429, resp.get_data(as_text=True)
        assert 1 <= int(resp.headers["Retry-After"]) <= 60
    other = cal.bearer(settings, "admin", "user-b")
    assert b.get(bi, headers=other).status_code == 200
    for app in (first, second):
        app.extensions["qm_data_out_limiter"].close()
        get_db(app).dispose()


def test_openapi_documents_the_bi_routes(app, client):
    doc = client.get("/api/v1/openapi.json", headers=basic_header()).get_json()
    for name in ("scoring_answers", "coaching_assignments", "calibration_scores"):
        op = doc["paths"][f"/api/v1/bi/{name}"]["get"]
        params = {p["name"] for p in op["parameters"]}
        assert {"limit", "cursor", "from", "to"} <= params
    row = doc["components"]["schemas"]["ScoringAnswersRow"]["properties"]
    assert set(row) == set(get_kind("scoring_answers").column_names)


def test_calibration_scores_change_cursor_is_submission_time(app, client, settings):
    sess = cal.create(client, settings)
    people = cal.people(settings)
    assert cal.submit(client, people["alice"], sess["id"], "conv-1", 70).status_code == 201
    _data, cursor = _export(client, "calibration_scores", format="jsonl")
    later = datetime.now(UTC) + timedelta(seconds=1)
    with get_db(app).session_scope() as s:
        s.execute(update(CalibrationScore).values(submitted_at=later))
    import time

    time.sleep(max(0.0, (later - datetime.now(UTC)).total_seconds()) + 0.05)
    data, _ = _export(client, "calibration_scores", format="jsonl", cursor=cursor)
    assert len(data.splitlines()) == 1
