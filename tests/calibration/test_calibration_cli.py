"""``qmloop calibration agreement FILE.csv``."""

from __future__ import annotations

import json

import krippendorff
import numpy as np
import pytest
from click.testing import CliRunner

from service.cli import main
from tests.calibration.test_calibration_stats import KRIPPENDORFF_2011, SHROUT_FLEISS


def _write(tmp_path, rows, header="unit,rater,score"):
    path = tmp_path / "export.csv"
    path.write_text(header + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")
    return str(path)


def _long(table):
    return [
        (f"u{i}", f"r{j}", "" if np.isnan(v) else v)
        for i, row in enumerate(table)
        for j, v in enumerate(row)
    ]


def _run(*args):
    return CliRunner().invoke(main, ["calibration", "agreement", *args])


def test_agreement_prints_reference_values(tmp_path):
    result = _run(_write(tmp_path, _long(SHROUT_FLEISS)))
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["units"], out["raters"]) == (6, 4)
    assert round(out["icc_2_1"], 2) == 0.29
    assert round(out["icc_2_k"], 2) == 0.62
    assert round(out["icc_3_1"], 2) == 0.71
    assert round(out["icc_1_1"], 2) == 0.17
    assert (round(out["icc_2_1_ci_low"], 2), round(out["icc_2_1_ci_high"], 2)) == (0.02, 0.76)
    for key in ("icc_1_1", "icc_2_1", "icc_2_k", "icc_3_1"):
        assert f"{key}_ci_low" in out and f"{key}_ci_high" in out
    expected = krippendorff.alpha(reliability_data=SHROUT_FLEISS.T, level_of_measurement="interval")
    assert out["krippendorff_alpha"] == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(("level", "expected"), [("nominal", 0.743), ("ordinal", 0.815)])
def test_agreement_levels_with_missing_ratings(tmp_path, level, expected):
    result = _run(_write(tmp_path, _long(KRIPPENDORFF_2011)), "--level", level)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert round(out["krippendorff_alpha"], 3) == expected
    assert out["ratings"] == 41
    assert out["icc_2_1"] is None or out["icc_units_used"] < 12


def test_nominal_labels(tmp_path):
    rows = [("c1", "ann", "yes"), ("c1", "bob", "yes"), ("c2", "ann", "no"), ("c2", "bob", "no")]
    out = json.loads(_run(_write(tmp_path, rows), "--level", "nominal").output)
    assert out["krippendorff_alpha"] == 1.0
    assert out["icc_2_1"] is None
    assert "ICC needs numeric scores" in out["notes"]


@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        ([("c1", "ann", "1")], "unit,score", "missing column"),
        ([("c1", "ann", "1"), ("c1", "ann", "2")], "unit,rater,score", "twice"),
        ([("c1", "ann", "good")], "unit,rater,score", "--level nominal"),
        ([("", "ann", "1")], "unit,rater,score", "required"),
    ],
)
def test_bad_files_are_clear_errors(tmp_path, rows, header, message):
    result = _run(_write(tmp_path, rows, header))
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize(
    "rows",
    [[], [("c1", "ann", "80")], [("c1", "ann", "80"), ("c1", "bob", "80")]],
    ids=["empty", "one-rating", "identical"],
)
def test_degenerate_files_answer_without_nan(tmp_path, rows):
    result = _run(_write(tmp_path, rows))
    assert result.exit_code == 0, result.output
    assert "NaN" not in result.output
    out = json.loads(result.output)
    assert out["krippendorff_alpha"] is None
    assert out["icc_2_1"] is None
    assert out["notes"]
