"""``/app/console/effectiveness`` and ``/app/console/trust``: the QA manager's insight pages
(admins and supervisors). The numbers come from ``service.insights.service``, the same use cases
as ``/api/v1/insights/...`` and ``qmloop insights``."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from service import get_settings
from service.api import parse_query
from service.auth.views import current_principal
from service.db import get_session, utcnow
from service.insights import service
from service.insights.schemas import WindowQuery
from service.webapp import charts
from service.webapp.blueprint import bp, page


def _label(m: dict[str, Any]) -> str:
    """The chart's category: the section (the table next to it names module, trigger, target)."""
    return str(m["section_name"] or m["section_key"] or m["module_id"])


def effectiveness_chart(modules: list[dict[str, Any]]) -> Markup | None:
    """Mean section score before and after, coached agents next to the comparison agents."""
    means = ("mean_before", "mean_after", "control_mean_before", "control_mean_after")
    # Only modules with all four means: a missing mean drawn as 0 would read as a score of 0.
    shown = [m for m in modules if all(m[k] is not None for k in means)]
    if not shown:
        return None
    labels = [_label(m) for m in shown]
    series = [
        charts.Series("Coached before", [m["mean_before"] for m in shown]),
        charts.Series("Coached after", [m["mean_after"] for m in shown]),
        charts.Series("Comparison before", [m["control_mean_before"] for m in shown]),
        charts.Series("Comparison after", [m["control_mean_after"] for m in shown]),
    ]
    chart = charts.bar_chart(
        "effect-chart",
        "Mean section score before and after coaching",
        "Per module: the coached agents' mean score on the coached section in the window before"
        " the assignment and after completion, next to agents not coached on that section.",
        labels,
        series,
    )
    return charts.figure(chart, "Mean section score (%) before and after", labels, series)


@bp.get("/app/console/effectiveness", endpoint="console_effectiveness")
def effectiveness_page() -> tuple[str, int]:
    """Per module: before/after, change, difference-in-differences and the verdict."""
    q = parse_query(WindowQuery)
    found = service.effectiveness(get_session(), settings=get_settings(), start=q.start, end=q.end)
    return page(
        "console_effectiveness.html",
        report=found,
        chart=effectiveness_chart(found["modules"]),
        window=q,
    )


def trust_chart(questions: list[dict[str, Any]]) -> Markup | None:
    """Per question: observed AI-human agreement and overturn rate, both in %."""
    if not questions:
        return None
    labels = [q["question_id"] for q in questions]
    series = [
        charts.Series(
            "Agreement %", [100 * (q["agreement"]["observed"] or 0.0) for q in questions]
        ),
        charts.Series("Overturned %", [100 * (q["overturn"]["rate"] or 0.0) for q in questions]),
    ]
    chart = charts.bar_chart(
        "trust-chart",
        "AI-human agreement and overturn rate per question",
        "Per question: the share of the latest double-scored interactions where the automated"
        " answer equals the human one, and the share of disputed automated answers changed.",
        labels,
        series,
    )
    return charts.figure(chart, "Agreement and overturn rate per question (%)", labels, series)


@bp.get("/app/console/trust", endpoint="console_trust")
def trust_page() -> tuple[str, int]:
    """Per question kappa and overturns, per language, per evaluator, and open alerts."""
    found = service.trust_report(get_session(), settings=get_settings(), now=utcnow())
    me = current_principal().user_id
    return page(
        "console_trust.html",
        report=found,
        chart=trust_chart(found["questions"]),
        mine={a["alertId"] for a in found["alerts"] if me in a["owners"]},
    )
