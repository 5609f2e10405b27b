"""ICC values the model cannot produce are null with a note; every note tells the truth."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from service.calibration import rules
from service.cli import main
from service.reliability import stats
from service.reliability.agreement import agreement_report
from service.reliability.ratings import REPORTED_FORMS

NAN = np.nan
# Issue 8 case 6: 5 calls x 3 evaluators whose scores vary more within calls than between them.
NEGATIVE = np.array(
    [[81, 86, 80], [80, 80, 83], [77, 82, 82], [89, 79, 76], [83, 78, 81]], dtype=float
)


def _rows(table):
    return [
        (f"call-{i + 1}", f"r{j}", "" if np.isnan(v) else str(v))
        for i, row in enumerate(table)
        for j, v in enumerate(row)
    ]


def _cli(tmp_path, rows):
    path = tmp_path / "ratings.csv"
    path.write_text("unit,rater,score\n" + "\n".join(",".join(r) for r in rows) + "\n")
    result = CliRunner().invoke(main, ["calibration", "agreement", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_average_measure_icc_out_of_range_is_null_with_a_note(tmp_path):
    out = _cli(tmp_path, _rows(NEGATIVE))
    assert out["krippendorff_alpha"] == pytest.approx(-0.3365, abs=1e-4)
    for key in ("icc_2_k", "icc_2_1"):  # 14.12 and -0.559 (below -1/(k-1) = -0.5)
        assert (out[key], out[f"{key}_ci_low"], out[f"{key}_ci_high"]) == (None, None, None)
        assert out[f"{key}_band"] == "undefined"
        assert any(n.startswith(f"ICC: {key}: the estimate") for n in out["notes"])
    # The forms the model allows stay, negative as they are.
    assert out["icc_1_1"] == pytest.approx(-0.4159, abs=1e-4)
    assert out["icc_3_1"] == pytest.approx(-0.429, abs=1e-4)
    assert out["icc_3_1_ci_low"] <= out["icc_3_1"] <= out["icc_3_1_ci_high"]
    assert out["icc_3_1_band"] == "poor"


def test_session_reliability_nulls_the_same_forms():
    out = rules.reliability(NEGATIVE)
    assert out["icc_2_k"] is None and out["icc_2_k_band"] == "undefined"
    assert "icc_2_k: the estimate 14.12 lies outside [-1, 1]" in out["note"]


@pytest.mark.parametrize(
    ("key", "k", "value", "kept"),
    [
        ("icc_2_1", 3, -0.5, True),  # at -1/(k-1)
        ("icc_2_1", 3, -0.5001, False),
        ("icc_2_1", 2, -1.0, True),
        ("icc_2_1", 2, -1.0001, False),
        ("icc_2_k", 3, -1.0, True),
        ("icc_2_k", 3, -1.0001, False),
        ("icc_2_k", 3, 1.0, True),
        ("icc_2_k", 3, 1.0001, False),
        ("icc_3_1", 4, -1 / 3, True),
    ],
)
def test_model_range_boundaries(key, k, value, kept):
    a = stats.Anova(n=5, k=k, msr=1.0, msc=1.0, mse=1.0, msw=1.0)
    form, note = stats.check_form(key, stats.Icc(value, value, value), a)
    assert (form.value is not None) is kept
    assert bool(note) is not kept


@pytest.mark.parametrize(
    ("low", "high", "fragment"),
    [
        (0.6, 0.2, "unordered"),
        (-0.7, 0.5, "leaves [-0.5, 1]"),
        (0.1, 1.2, "leaves [-0.5, 1]"),
    ],
)
def test_bad_intervals_null_the_form(low, high, fragment):
    a = stats.Anova(n=5, k=3, msr=1.0, msc=1.0, mse=1.0, msw=1.0)
    form, note = stats.check_form("icc_2_1", stats.Icc(0.4, low, high), a)
    assert form == stats.NO_ICC
    assert fragment in note


@pytest.mark.parametrize(
    ("value", "band"), [(1.0, "excellent"), (1.0001, "undefined"), (-1.0001, "undefined")]
)
def test_out_of_range_values_never_get_a_band(value, band):
    assert stats.icc_band(value) == band


tables = st.integers(2, 6).flatmap(
    lambda k: st.lists(
        st.lists(st.one_of(st.none(), st.integers(0, 100)), min_size=k, max_size=k),
        min_size=2,
        max_size=8,
    )
)


@settings(max_examples=400, deadline=None)
@given(tables)
def test_every_reported_icc_is_in_range_and_every_interval_ordered(table):
    data = np.array([[NAN if v is None else v for v in row] for row in table], dtype=float)
    report = stats.icc(data)
    for key, form in report.forms.items():
        if form.value is not None:
            assert -1.0 <= form.value <= 1.0
            low, high = stats.model_range(key, report.raters_used)
            assert low - 1e-9 <= form.value <= high + 1e-9
        if form.ci_low is not None or form.ci_high is not None:
            assert form.value is not None
            assert form.ci_low is not None and form.ci_high is not None
            assert -1.0 <= form.ci_low <= form.ci_high <= 1.0
        # A null value or a missing interval always comes with a reason.
        if form.value is None or form.ci_low is None:
            assert report.note or report.form_notes.get(key)


def test_property_holds_on_the_issue_table():
    report = stats.icc(NEGATIVE)
    assert all(f.value is None or -1 <= f.value <= 1 for f in report.forms.values())


# --- notes that lie or are missing (issue 8 case 7) ---


def test_one_rater_per_call_says_no_call_was_rated_by_every_rater():
    rows = [
        ("call-1", "alex", "80"),
        ("call-2", "blair", "65"),
        ("call-3", "alex", "90"),
        ("call-4", "blair", "70"),
    ]
    out = agreement_report(rows)
    assert out["raters"] == 2
    assert (
        "ICC: no call was rated by every rater (ICC uses only calls all 2 raters scored)"
        in (out["notes"])
    )
    assert not any("fewer than 2 raters" in n for n in out["notes"])
    assert "alpha undefined: no call was rated by 2 or more raters" in out["notes"][0]


@pytest.mark.parametrize(
    ("rows", "note"),
    [
        ([("c1", "alex", "80"), ("c2", "alex", "70")], "ICC: only 1 rater has ratings"),
        (
            [("c1", "alex", "80"), ("c1", "blair", "70"), ("c2", "alex", "75")],
            "ICC: only 1 call was rated by all 2 raters",
        ),
        ([("c1", "alex", ""), ("c1", "blair", "")], "ICC: no ratings"),
        (
            [("c1", "a", "80"), ("c1", "b", "80"), ("c2", "a", "80"), ("c2", "b", "80")],
            "ICC: no variation: every rating used is identical",
        ),
    ],
    ids=["one-rater", "one-complete-call", "all-empty", "identical"],
)
def test_degenerate_notes_say_what_happened(rows, note):
    out = agreement_report(rows)
    assert any(n.startswith(note) for n in out["notes"]), out["notes"]


def test_identical_ratings_alpha_note_says_no_variation():
    out = agreement_report([("c1", "a", "80"), ("c1", "b", "80")])
    assert "alpha undefined: no variation" in out["notes"][0]


def test_rater_plus_constant_gives_perfect_consistency_with_a_note():
    rows = [
        ("c1", "alex", "80"),
        ("c1", "blair", "85"),
        ("c2", "alex", "70"),
        ("c2", "blair", "75"),
        ("c3", "alex", "90"),
        ("c3", "blair", "95"),
    ]
    out = agreement_report(rows)
    assert out["icc_3_1"] == 1.0
    assert (out["icc_3_1_ci_low"], out["icc_3_1_ci_high"]) == (None, None)
    assert out["icc_3_1_band"] == "excellent"
    assert any("icc_3_1 is 1 (perfect consistency" in n for n in out["notes"])
    # Absolute agreement is not perfect (blair is 5 points higher): it keeps its interval.
    assert out["icc_2_1"] < 1.0 and out["icc_2_1_ci_low"] is not None


def test_identical_raters_give_perfect_agreement_notes():
    table = np.array([[80.0, 80.0], [70.0, 70.0], [90.0, 90.0]])
    report = stats.icc(table)
    assert report.forms["icc_1_1"].value == pytest.approx(1.0)
    notes = report.notes(REPORTED_FORMS)
    assert any(n.startswith("icc_1_1 is 1") for n in notes)
    assert any(n.startswith("icc_2_1 is 1 (perfect agreement") for n in notes)
    assert rules.reliability(table)["note"] == "; ".join(notes)


def test_same_mean_for_every_call_explains_the_missing_interval():
    table = np.array([[80.0, 70.0], [70.0, 80.0]])  # every call's mean is 75
    report = stats.icc(table)
    assert report.forms["icc_1_1"].value == pytest.approx(-1.0)
    assert "every call has the same mean score" in report.form_notes["icc_1_1"]
    assert math.isfinite(report.forms["icc_1_1"].value)


def test_a_defined_table_has_no_note():
    table = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6]], dtype=float)
    assert stats.icc(table).notes(REPORTED_FORMS) == []


def test_coverage_note_says_which_calls_and_raters_were_left_out():
    table = np.vstack([NEGATIVE, [[80.0, NAN, 81.0]]])
    table = np.hstack([table, np.full((6, 1), NAN)])  # a fourth rater who rated nothing
    report = stats.icc(table)
    assert (report.units_used, report.raters_used) == (5, 3)
    assert report.coverage == (
        "1 of 4 raters have no rating and are left out; "
        "computed on the 5 of 6 calls every rater scored"
    )
    assert report.notes(REPORTED_FORMS)[0] == report.coverage


def test_complete_table_has_no_coverage_note():
    assert stats.icc(NEGATIVE).coverage == ""


@settings(max_examples=200, deadline=None)
@given(tables)
def test_reports_show_only_in_range_banded_iccs(table):
    rows = [
        (f"c{i}", f"r{j}", "" if v is None else str(v))
        for i, row in enumerate(table)
        for j, v in enumerate(row)
    ]
    data = np.array([[NAN if v is None else v for v in row] for row in table], dtype=float)
    for out in (agreement_report(rows), rules.reliability(data)):
        for key in REPORTED_FORMS:
            value, low, high = out[key], out[f"{key}_ci_low"], out[f"{key}_ci_high"]
            assert value is None or -1.0 <= value <= 1.0
            assert (low is None) == (high is None)
            assert low is None or low <= high
            assert (out[f"{key}_band"] == "undefined") == (value is None)
