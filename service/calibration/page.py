"""The HTML report's view model: chart geometry and heat-map colours, computed in Python so the
template stays a plain layout (inline SVG, no JavaScript)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from service.calibration import rules
from service.reliability.ratings import KIND_HUMAN, Rating

BAR_HALF = 220  # px on each side of zero
LEFT = 270  # room for an evaluator id (Genesys user ids are 36 characters)
ROW = 28


def short(label: str, size: int = 36) -> str:
    """A label cut to ``size`` characters (the full text goes in a tooltip)."""
    return label if len(label) <= size else label[: size - 1] + "\u2026"


def deviation_chart(interactions: Sequence[Mapping[str, Any]], expert_id: str) -> dict[str, Any]:
    """Per panelist: mean signed gap to the expert (bar) and each interaction's gap (dots)."""
    gaps: dict[str, list[float]] = defaultdict(list)
    for row in interactions:
        for source in ("deviations", "ai_deviations"):
            for evaluator, gap in (row.get(source) or {}).items():
                if gap is not None and evaluator != expert_id:
                    gaps[evaluator].append(float(gap))
    scale_max = max([5.0] + [abs(g) for values in gaps.values() for g in values])
    scale = BAR_HALF / scale_max
    rows = []
    for i, (evaluator, values) in enumerate(sorted(gaps.items())):
        mean = sum(values) / len(values)
        rows.append(
            {
                "evaluator": evaluator,
                "label": short(evaluator),
                "ai": evaluator.startswith("ai:"),
                "y": 20 + i * ROW,
                "mean": round(mean, 2),
                "bar_x": LEFT + BAR_HALF + min(0.0, mean) * scale,
                "bar_w": max(1.0, abs(mean) * scale),
                "dots": [LEFT + BAR_HALF + g * scale for g in values],
            }
        )
    return {
        "rows": rows,
        "height": 40 + len(rows) * ROW,
        "zero_x": LEFT + BAR_HALF,
        "low_x": LEFT,
        "high_x": LEFT + 2 * BAR_HALF,
        "scale_max": round(scale_max, 1),
        "width": LEFT + 2 * BAR_HALF + 40,
    }


def colour(share: float | None) -> str:
    """Red (no agreement) through amber to green (full agreement); grey when undefined."""
    if share is None or not math.isfinite(share):
        return "#e5e7eb"
    red = int(220 - 180 * share)
    green = int(60 + 150 * share)
    return f"rgb({red},{green},80)"


def heat_map(
    ratings: Sequence[Rating],
    units: Sequence[str],
    questions: Sequence[str],
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Questions x interactions: share of agreeing panel pairs on each answer."""
    humans = [r for r in ratings if r.kind == KIND_HUMAN]
    raters = sorted({r.evaluator_id for r in humans})
    shares = rules.unit_agreement(rules.answer_arrays(humans, units, raters, questions))
    cells = []
    for qi, question in enumerate(questions):
        for ui, _unit in enumerate(units):
            value = shares[qi, ui] if shares.size else np.nan
            share = None if np.isnan(value) else float(value)
            cells.append(
                {
                    "x": 180 + ui * 70,
                    "y": 30 + qi * 26,
                    "fill": colour(share),
                    "label": "" if share is None else f"{round(100 * share)}%",
                    "title": f"{question} / {units[ui]}",
                }
            )
    return {
        "cells": cells,
        "questions": [
            {"label": short((names or {}).get(q) or q, 28), "title": q, "y": 30 + i * 26 + 17}
            for i, q in enumerate(questions)
        ],
        "units": [
            {"label": short(u, 9), "title": u, "x": 180 + i * 70 + 35} for i, u in enumerate(units)
        ],
        "width": 200 + 70 * max(1, len(units)),
        "height": 50 + 26 * max(1, len(questions)),
    }
