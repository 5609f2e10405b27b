"""Pure rules of data out: cursors, cells, the settle window, webhook outcomes and signatures."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from service.coaching.rules import verify_lms_signature
from service.exports import rules
from service.exports.catalog import all_kinds, kind_names
from service.exports.dictionary import render
from service.exports.kinds import MODULE_OF
from service.exports.registry import COLUMN_TYPES, Column, ExportKind, declare
from service.webhooks import rules as hooks

AT = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    "cursor", [rules.Cursor(AT), rules.Cursor(AT, "abc", 0), rules.Cursor(AT, "abc", 7)]
)
def test_cursor_round_trip(cursor):
    text = cursor.encode()
    assert "=" not in text and "/" not in text and "+" not in text  # URL-safe as is
    assert rules.decode_cursor(text) == cursor


@pytest.mark.parametrize(
    "text",
    ["", "garbage", "e30", rules.Cursor(AT).encode()[:-3], "eyJ2IjoyfQ"],
)
def test_bad_cursors_are_refused(text):
    with pytest.raises(rules.BadCursor):
        rules.decode_cursor(text)


def test_negative_skip_is_refused():
    import base64

    raw = json.dumps({"v": 1, "at": AT.isoformat(), "id": "x", "skip": -1}).encode()
    with pytest.raises(rules.BadCursor):
        rules.decode_cursor(base64.urlsafe_b64encode(raw).decode())


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (1.5, "1.5"),
        ("a,b", "a,b"),
        (date(2026, 3, 1), "2026-03-01"),
        (AT, "2026-03-01T12:30:15.123456+00:00"),
    ],
)
def test_cell_text(value, text):
    assert rules.cell_text(value) == text


def test_json_line_keeps_dictionary_order_and_nulls():
    line = rules.json_line({"b": 1, "a": AT}, ["a", "b", "c"])
    assert line.endswith("\n")
    assert list(json.loads(line).items()) == [("a", AT.isoformat()), ("b", 1), ("c", None)]


@pytest.mark.parametrize("settle", [0, 1, 30])
def test_watermark_holds_back_the_settle_window(settle):
    assert rules.watermark(AT, settle) == AT - timedelta(seconds=settle)


def test_instant_reads_dates_and_naive_times_as_utc():
    assert rules.instant(date(2026, 3, 1)) == datetime(2026, 3, 1, tzinfo=UTC)
    assert rules.instant(datetime(2026, 3, 1, 5)) == datetime(2026, 3, 1, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (199, "dead"),
        (200, "delivered"),
        (204, "delivered"),
        (299, "delivered"),
        (300, "dead"),
        (301, "dead"),
        (302, "dead"),
        (399, "dead"),
        (400, "dead"),
        (404, "dead"),
        (407, "dead"),
        (408, "retry"),
        (409, "dead"),
        (425, "retry"),
        (429, "retry"),
        (499, "dead"),
        (500, "retry"),
        (503, "retry"),
    ],
)
def test_webhook_outcome_per_status(status, outcome):
    assert hooks.outcome(status) == outcome


def test_webhook_signature_is_the_lms_scheme():
    body = hooks.envelope("evt-1", "coaching.assigned", AT, {"a": 1})
    head = hooks.headers("sec", "evt-1", "coaching.assigned", body, 1_770_000_000)
    assert head["X-QMLoop-Event-Id"] == head["Idempotency-Key"] == "evt-1"
    assert verify_lms_signature("sec", head["X-QMLoop-Signature"], body, 1_770_000_000)
    assert not verify_lms_signature("other", head["X-QMLoop-Signature"], body, 1_770_000_000)
    assert not verify_lms_signature("sec", head["X-QMLoop-Signature"], body + b" ", 1_770_000_000)
    assert json.loads(body) == {
        "id": "evt-1",
        "type": "coaching.assigned",
        "occurredAt": AT.isoformat(),
        "data": {"a": 1},
    }


@pytest.mark.parametrize(
    ("wanted", "taken"),
    [(["*"], True), (["coaching.assigned"], True), (["coaching.cancelled"], False), ([], False)],
)
def test_subscription_event_filter(wanted, taken):
    assert hooks.subscribed("coaching.assigned", wanted) is taken


def test_data_dictionary_page_is_generated_from_the_registry():
    with open("docs/data-dictionary.md", encoding="utf-8") as fh:
        assert fh.read() == render(), (
            "run: python -m service.exports.dictionary > docs/data-dictionary.md"
        )


def test_every_column_is_typed_described_and_unique():
    for kind in all_kinds():
        names = kind.column_names
        assert len(names) == len(set(names)), kind.name
        for col in kind.columns:
            assert col.type in COLUMN_TYPES and col.description, (kind.name, col.name)


# Stable across versions: these columns (name and type) may never change or go away.
STABLE = {
    "scoring_answers": {
        "scoring_request_id": "string",
        "question_id": "string",
        "answer": "string",
        "points": "number",
        "evidence_verified": "boolean",
        "model": "string",
        "prompt_version": "string",
        "changed_at": "timestamp",
    },
    "coaching_assignments": {
        "assignment_id": "string",
        "status": "string",
        "due_date": "date",
        "closed_at": "timestamp",
        "changed_at": "timestamp",
    },
    "calibration_scores": {"calibration_score_id": "string", "total": "number"},
}


def test_published_columns_keep_their_names_and_types():
    kinds = {k.name: k for k in all_kinds()}
    for name, cols in STABLE.items():
        declared = {c.name: c.type for c in kinds[name].columns}
        assert {k: declared.get(k) for k in cols} == cols


def test_declare_refuses_duplicates_and_unknown_keys():
    kind = all_kinds()[0]
    with pytest.raises(ValueError, match="twice"):
        declare(kind)
    bad = ExportKind(
        name="x_test_kind",
        description="",
        model=None,
        occurred=None,
        changed=None,
        columns=(Column("a", "string", "a"),),
        rows=lambda row, ctx: [],
        key=("b",),
    )
    with pytest.raises(ValueError, match="not columns"):
        declare(bad)


def test_each_kind_is_found_in_the_module_that_declares_it():
    declared = {k.name: k.rows.__module__.rsplit(".", 1)[-1] for k in all_kinds()}
    assert {n: m for n, m in declared.items() if not n.startswith("x_test")} == MODULE_OF
    assert kind_names() == sorted(MODULE_OF)
