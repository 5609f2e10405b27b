"""Agreement statistics of a long-format table (unit, rater, score), as the CLI prints them."""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

import numpy as np

from service.calibration import stats
from service.calibration.rules import REPORTED_FORMS, r4

REQUIRED_COLUMNS = ("unit", "rater", "score")


class AgreementInputError(ValueError):
    """The table cannot be read as unit, rater, score rows."""


DELIMITERS = ",;\t|"


def sniff_delimiter(sample: str) -> str:
    """The delimiter of a CSV sample: comma, semicolon (spreadsheets in many locales), tab or bar.

    Falls back to a comma when ``csv.Sniffer`` cannot tell (e.g. a single column).
    """
    header = sample.splitlines()[0] if sample else ""
    try:
        return csv.Sniffer().sniff(header or sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def read_rows(fh: TextIO) -> list[tuple[str, str, str]]:
    """Read ``unit,rater,score`` rows; raises ``AgreementInputError`` on a bad header or row.

    The delimiter is sniffed from the header line; with a delimiter other than a comma, a decimal
    comma in the score (``3,5``) is read as a decimal point.
    """
    text = fh.read()
    delimiter = sniff_delimiter(text[:4096])
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        shown = delimiter.replace("\t", "tab")
        raise AgreementInputError(
            f"missing column(s): {', '.join(missing)} (header {', '.join(header) or 'empty'}, "
            f"delimiter {shown!r}); the first line must name unit, rater and score"
        )
    reader.fieldnames = header
    rows = []
    for line, row in enumerate(reader, start=2):
        unit, rater = (row.get("unit") or "").strip(), (row.get("rater") or "").strip()
        score = (row.get("score") or "").strip()
        if delimiter != "," and re.fullmatch(r"[-+]?\d+,\d+", score):
            score = score.replace(",", ".")
        if not unit or not rater:
            raise AgreementInputError(f"line {line}: unit and rater are required")
        rows.append((unit, rater, score))
    return rows


def _numeric(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def build_matrix(
    rows: Iterable[tuple[str, str, str]], level: str
) -> tuple[np.ndarray, list[str], list[str], bool]:
    """The units x raters matrix; labels are coded for nominal data. Empty scores are missing.

    Returns the matrix, units, raters, and whether every score was numeric. Raises
    ``AgreementInputError`` for a repeated (unit, rater) pair or text scores at a numeric level.
    """
    units: dict[str, int] = {}
    raters: dict[str, int] = {}
    cells: dict[tuple[int, int], str] = {}
    for unit, rater, score in rows:
        key = (units.setdefault(unit, len(units)), raters.setdefault(rater, len(raters)))
        if key in cells:
            raise AgreementInputError(f"rater {rater!r} scored unit {unit!r} twice")
        cells[key] = score
    present = {k: v for k, v in cells.items() if v != ""}
    numeric = all(_numeric(v) is not None for v in present.values())
    if not numeric and level != "nominal":
        raise AgreementInputError(f"non-numeric scores need --level nominal, not {level}")
    labels = {v: i for i, v in enumerate(sorted(set(present.values())))}
    table = np.full((len(units), len(raters)), np.nan)
    for (i, j), v in present.items():
        table[i, j] = _numeric(v) if numeric else labels[v]
    return table, list(units), list(raters), numeric


def agreement_report(
    rows: Sequence[tuple[str, str, str]], level: str = "interval"
) -> dict[str, Any]:
    """Krippendorff's alpha at ``level`` and the ICC forms (numeric scores only), JSON-ready."""
    if level not in stats.LEVELS:
        raise AgreementInputError(f"level must be one of {', '.join(stats.LEVELS)}")
    table, units, raters, numeric = build_matrix(rows, level)
    alpha = stats.krippendorff_alpha(table, level) if table.size else None
    out: dict[str, Any] = {
        "units": len(units),
        "raters": len(raters),
        "ratings": int((~np.isnan(table)).sum()) if table.size else 0,
        "level": level,
        "krippendorff_alpha": r4(alpha),
        "krippendorff_alpha_band": stats.alpha_band(alpha),
    }
    notes = [] if alpha is not None else [stats.alpha_note(table)]
    report = stats.icc(table) if numeric and table.size else None
    for key in REPORTED_FORMS:
        form = report.forms[key] if report else stats.NO_ICC
        out[key], out[f"{key}_ci_low"], out[f"{key}_ci_high"] = (
            r4(form.value),
            r4(form.ci_low),
            r4(form.ci_high),
        )
        out[f"{key}_band"] = stats.icc_band(form.value)
    out["icc_units_used"] = report.units_used if report else 0
    if report is None:
        notes.append("ICC needs numeric scores" if table.size else "no ratings")
    else:
        notes.extend(f"ICC: {note}" for note in report.notes(REPORTED_FORMS))
    out["notes"] = notes
    return out
