"""``/app/console/replay``: replay a period under the current or a candidate policy, with
charts. The console's policy page posts ``from``, ``to``, ``policy_yaml`` and optionally
``compare_yaml`` here (with the CSRF token) to replay a candidate before saving it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import request
from markupsafe import Markup
from pydantic import ValidationError

from service import get_settings
from service.db import get_session
from service.errors import ServiceError
from service.genesys import get_genesys
from service.replay import rules, service
from service.replay.schemas import ReplayIn
from service.webapp import charts
from service.webapp.blueprint import bp, page

WEEKLY = ("assigned", "duplicates", "capped", "inactive")


def _defaults() -> dict[str, str]:
    """The last four full ISO weeks."""
    today = date.today()
    end = today - timedelta(days=today.isoweekday())
    return {"from": (end - timedelta(days=27)).isoformat(), "to": end.isoformat()}


@bp.get("/app/console/replay", endpoint="replay")
def replay_form() -> tuple[str, int]:
    """The replay form (period, optional candidate and comparison policies)."""
    return page("replay.html", form=_defaults(), report=None, figures=[], error="")


@bp.post("/app/console/replay", endpoint="replay_run")
def replay_run() -> tuple[str, int]:
    """Replay and show the report; a bad period or policy file shows the form again (400)."""
    form = {k: request.form.get(k, "") for k in ("from", "to", "policy_yaml", "compare_yaml")}
    try:
        body = ReplayIn.model_validate(
            {
                "from": form["from"].strip(),
                "to": form["to"].strip(),
                "policyYaml": form["policy_yaml"] or None,
                "compareYaml": form["compare_yaml"] or None,
                "policyName": "candidate" if form["policy_yaml"] else "",
                "compareName": "compared" if form["compare_yaml"] else "",
            }
        )
        report = service.replay(
            get_session(), settings=get_settings(), genesys=get_genesys(), body=body
        )
    except ValidationError as exc:
        error = "; ".join(_message(e) for e in exc.errors(include_url=False, include_input=False))
        return page("replay.html", 400, form=form, report=None, figures=[], error=error)
    except ServiceError as exc:
        lines = [exc.detail, *(f"{e['field']}: {e['message']}" for e in exc.errors or [])]
        return page(
            "replay.html", exc.status, form=form, report=None, figures=[], error="; ".join(lines)
        )
    return page(
        "replay.html",
        form=form,
        report=report,
        figures=figures(report),
        error="",
        table_metrics=rules.TABLE_METRICS,
    )


def _message(err: Any) -> str:
    field = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
    text = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{field}: {text}" if field else text


def figures(report: dict[str, Any]) -> list[Markup]:
    """The report's charts, each with its data table: assignments per week (per policy when
    comparing, else by outcome) and the appointment hours per week."""
    start, end = date.fromisoformat(report["from"]), date.fromisoformat(report["to"])
    weeks = rules.week_labels(start, end)
    by_week = {w["week"]: w["values"] for w in report["weeks"]}
    names = report["policies"]

    def column(metric: str, n: int) -> list[float]:
        return [by_week[w][metric][n] if w in by_week else 0 for w in weeks]

    hours = [charts.Series(name, column("appointment_hours", n)) for n, name in enumerate(names)]
    if len(names) == 2:
        assigned = [charts.Series(name, column("assigned", n)) for n, name in enumerate(names)]
        capped = [charts.Series(name, column("capped", n)) for n, name in enumerate(names)]
        return [
            _bars("replay-assigned", "Coaching assignments per ISO week", names, weeks, assigned),
            _bars(
                "replay-capped",
                "Capped by the weekly or open limit per ISO week",
                names,
                weeks,
                capped,
            ),
            _hours(names, weeks, hours),
        ]
    outcomes = [charts.Series(m, column(m, 0)) for m in WEEKLY]
    return [
        _bars("replay-weekly", "Coaching decisions per ISO week", names, weeks, outcomes),
        _hours(names, weeks, hours),
    ]


def _bars(
    chart_id: str, title: str, names: list[str], weeks: list[str], series: list[charts.Series]
) -> Markup:
    desc = f"Bars per week under {' and '.join(names)}; each bar is labelled with its count."
    chart = charts.bar_chart(chart_id, title, desc, weeks, series)
    return charts.figure(chart, title, weeks, series)


def _hours(names: list[str], weeks: list[str], series: list[charts.Series]) -> Markup:
    title = "Sentiment appointment hours per ISO week"
    desc = f"One line per policy ({' and '.join(names)}); each point is labelled with its hours."
    chart = charts.line_chart("replay-hours", title, desc, weeks, series)
    return charts.figure(chart, title, weeks, series)
