"""Whatever the ratings, the statistics answer: no exception, no NaN in the JSON."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from service.calibration import rules
from service.reliability.agreement import agreement_report
from service.reliability.ratings import Answer, Rating

names = st.sampled_from(["u1", "u2", "u3", "u4"])
raters = st.sampled_from(["x", "a", "b", "c"])
scores = st.one_of(st.just(""), st.integers(0, 100).map(str), st.sampled_from(["50", "50.0"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(names, raters, scores), max_size=16), st.sampled_from(rules.stats.LEVELS))
def test_agreement_report_never_crashes_or_emits_nan(rows, level):
    unique = list({(u, r): (u, r, s) for u, r, s in rows}.values())
    report = agreement_report(unique, level)
    json.dumps(report, allow_nan=False)
    assert report["units"] == len({u for u, _r, _s in unique})


ratings = st.builds(
    Rating,
    interaction_id=names,
    evaluator_id=raters,
    total=st.floats(0, 100, allow_nan=False),
    answers=st.dictionaries(
        st.sampled_from(["q1", "q2"]),
        st.builds(
            Answer,
            st.sampled_from(["yes", "no", "na"]),
            st.sampled_from([None, 0.0, 1.0]),
            st.sampled_from([None, 1.0]),
        ),
        max_size=2,
    ),
    kind=st.sampled_from(["human", "human", "ai"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(ratings, max_size=20))
def test_session_statistics_never_crash_or_emit_nan(rows):
    unique = list({(r.interaction_id, r.evaluator_id): r for r in rows}.values())
    report = rules.session_statistics(
        unique, units=["u1", "u2", "u3", "u4"], expert_id="x", questions=["q1", "q2", "q3"]
    )
    report["summary"] = rules.flat_summary(report, "x")
    json.dumps(report, allow_nan=False)
    for row in report["interactions"]:
        assert row["tier"] in (
            "aligned",
            "discuss",
            "full_session",
            "insufficient_scores",
            "no_scores",
        )


cells = st.one_of(st.none(), st.sampled_from([0.0, 50.0, 100.0]), st.floats(0, 100))


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda k: st.lists(st.lists(cells, min_size=k, max_size=k), max_size=8)
    )
)
def test_icc_and_alpha_are_finite_or_none(table):
    import math

    import numpy as np

    from service.reliability import stats

    data = np.array([[np.nan if v is None else v for v in row] for row in table], dtype=float)
    report = stats.icc(data)
    for form in report.forms.values():
        for v in (form.value, form.ci_low, form.ci_high):
            assert v is None or math.isfinite(v)
    for level in stats.LEVELS:
        alpha = stats.krippendorff_alpha(data, level)
        assert alpha is None or math.isfinite(alpha)
