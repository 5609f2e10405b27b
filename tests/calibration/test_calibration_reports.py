"""Cross-session reports: only revealed sessions, bias, drift, recurring criteria, AI agreement."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.calibration.helpers import (
    AI,
    ALICE,
    BASE,
    BOB,
    EXPERT,
    create,
    people,
    set_deadline,
    submit,
)

MONTHS = [datetime(2026, m, 15, tzinfo=UTC) for m in (1, 2, 3)]


def _month_session(client, settings, app, when, *, reveal=True):
    """Expert 11 points above the team; Alice 6 above Bob; 'product' answered three ways."""
    who = people(settings)
    sid = create(client, settings)["id"]
    plan = {
        "expert": ((92, "fair"), (81, "fair")),
        "alice": ((84, "good"), (73, "good")),
        "bob": ((78, "poor"), (67, "poor")),
    }
    for name, rows in plan.items():
        for conv, (total, product) in zip(("conv-1", "conv-2"), rows, strict=True):
            assert submit(client, who[name], sid, conv, total, product=product).status_code == 201
    # The AI scores only conv-1, so the session stays open until its (back-dated) deadline.
    submit(client, who["admin"], sid, "conv-1", 90, product="fair", evaluatorId=AI)
    if reveal:
        set_deadline(app, sid, when)
    return sid


@pytest.fixture
def history(client, settings, app):
    for when in MONTHS:
        _month_session(client, settings, app, when)
    # Still blind (deadline ahead, panel incomplete): must not appear in any report.
    who = people(settings)
    blind = create(client, settings)["id"]
    submit(client, who["alice"], blind, "conv-1", 47.1234)
    return blind


def _get(client, settings, kind, query=""):
    resp = client.get(f"{BASE}/reports/{kind}{query}", headers=people(settings)["admin"])
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_reports_use_only_revealed_sessions(client, settings, history):
    for kind in ("reliability", "evaluators", "calibrators", "criteria", "ai"):
        body = _get(client, settings, kind)
        assert body["sessions"] == 3
        assert "47.1234" not in str(body)


def test_evaluator_bias_shows_bob_harsh_and_the_expert_lenient(client, settings, history):
    rows = {r["evaluator_id"]: r for r in _get(client, settings, "evaluators")["rows"]}
    alice, bob = rows[ALICE], rows[BOB]
    assert alice["from_consensus"]["mean"] == pytest.approx(-1.0)  # 84 vs mean(92, 78) = 85
    assert alice["direction"] == "no_clear_bias"  # consistent, but under the 3-point minimum
    assert bob["from_consensus"]["mean"] == pytest.approx(-10.0)  # 78 vs mean(92, 84) = 88
    assert bob["direction"] == "harsh"
    assert alice["from_expert"]["mean"] == pytest.approx(-8.0)
    assert [m["month"] for m in alice["months"]] == ["2026-01", "2026-02", "2026-03"]
    assert rows[EXPERT]["direction"] == "lenient"


def test_calibrator_drift_is_flagged(client, settings, history):
    (row,) = _get(client, settings, "calibrators")["rows"]
    assert row["calibrator_id"] == EXPERT
    assert row["overall"]["mean"] == pytest.approx(11.0)  # 92-81 and 81-70
    assert row["flagged_months"] == ["2026-01", "2026-02", "2026-03"]


def test_recurring_criteria_list_product_with_history_and_notes(client, settings, history):
    client.post(
        f"{BASE}/rubric-notes",
        json={"formId": "form-1", "questionId": "product", "text": "Use behavioural anchors"},
        headers=people(settings)["expert"],
    )
    body = _get(client, settings, "criteria", "?formId=form-1")
    (row,) = body["rows"]
    assert row["question_id"] == "product" and row["name"] == "Product knowledge"
    assert row["longest_run"] == 3 and len(row["history"]) == 3
    assert row["rubric_notes"][0]["text"] == "Use behavioural anchors"


def test_reliability_per_session_and_pooled(client, settings, history):
    body = _get(client, settings, "reliability")
    assert len(body["rows"]) == 3
    pooled = body["summary"]
    assert pooled["units"] == 6 and pooled["raters"] == 3
    for key in ("icc_2_1", "icc_2_k", "icc_3_1", "icc_1_1", "krippendorff_alpha"):
        assert key in pooled


def test_ai_agreement_per_question(client, settings, history):
    (row,) = _get(client, settings, "ai")["rows"]
    assert row["evaluator_id"] == AI
    by_q = {q["question_id"]: q for q in row["questions"]}
    assert by_q["product"]["with_expert"] == {"n": 3, "agreement": 1.0}
    assert by_q["product"]["with_majority"]["n"] == 0  # three different answers: no majority
    assert by_q["greet"]["with_majority"] == {"n": 3, "agreement": 1.0}


def test_period_filter(client, settings, history):
    body = _get(client, settings, "calibrators", "?since=2026-02-01T00:00:00Z")
    assert body["sessions"] == 2


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("?since=2026-02-02&until=2026-02-01", 400),  # reversed: refused, not an empty report
        ("?since=2026-02-01&until=2026-02-01", 200),
        ("?since=2026-02-01&until=2026-02-02", 200),
    ],
)
def test_a_reversed_period_is_refused(client, settings, query, status):
    resp = client.get(f"{BASE}/reports/reliability{query}", headers=people(settings)["admin"])
    assert resp.status_code == status
    if status == 400:
        assert resp.get_json()["errors"][0]["message"].endswith("'since' is after 'until'")


def test_reports_are_staff_only(client, settings):
    resp = client.get(f"{BASE}/reports/evaluators", headers=people(settings)["alice"])
    assert resp.status_code == 403


def test_reports_on_no_sessions(client, settings):
    for kind in ("reliability", "evaluators", "calibrators", "criteria", "ai"):
        body = _get(client, settings, kind)
        assert body["sessions"] == 0 and body["rows"] == []


def test_one_criterion_history_even_when_never_flagged(client, settings, history):
    body = _get(client, settings, "criteria", "?questionId=greet")
    (row,) = body["rows"]
    assert row["question_id"] == "greet" and row["flagged_months"] == []
    assert [h["month"] for h in row["history"]] == ["2026-01", "2026-02", "2026-03"]
    assert all(h["percent_agreement"] == 1.0 for h in row["history"])
    assert _get(client, settings, "criteria", "?questionId=nope")["rows"] == []


def test_ai_total_gap_to_the_expert(client, settings, history):
    (row,) = _get(client, settings, "ai")["rows"]
    assert row["total_minus_expert"]["n"] == 3
    assert row["total_minus_expert"]["mean"] == pytest.approx(-2.0)  # 90 against 92
