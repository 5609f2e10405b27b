"""Replay reports as pure functions: tallies into rows per week, team and agent; JSON, CSV and
a text table. No Flask, SQLAlchemy or network here.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from service.replay.simulate import Agent, Tally

# In report order. Coaching from evaluations, then sentiment; hours from the sentiment
# sessions' appointment length (policy ``appointment_minutes``, 15-minute steps).
METRICS = (
    "evaluations",
    "assigned",
    "duplicates",
    "capped",
    "inactive",
    "skipped",
    "sentiment_sessions",
    "sentiment_capped",
    "sentiment_inactive",
    "kudos",
    "appointment_hours",
)
TABLE_METRICS = (
    "evaluations",
    "assigned",
    "duplicates",
    "capped",
    "inactive",
    "sentiment_sessions",
    "kudos",
    "appointment_hours",
)
MAX_DAYS = 366


def check_span(start: date, end: date, max_days: int = MAX_DAYS) -> None:
    """Raise ValueError unless ``start`` <= ``end`` and the span is at most ``max_days``."""
    if end < start:
        raise ValueError(f"'to' ({end}) is before 'from' ({start})")
    if (end - start).days + 1 > max_days:
        raise ValueError(f"at most {max_days} days can be replayed at once")


def _value(counts: Mapping[str, int], metric: str) -> float:
    if metric == "appointment_hours":
        return round(counts.get("appointment_minutes", 0) / 60, 2)
    return counts.get(metric, 0)


def _diff(values: Sequence[float]) -> float | None:
    return round(values[1] - values[0], 2) if len(values) == 2 else None


def _people(agents: Mapping[str, Agent], agent_id: str) -> dict[str, str]:
    agent = agents.get(agent_id) or Agent(agent_id, state="deleted")
    return {
        "teamId": agent.manager_id,
        "team": agent.manager_name or agent.manager_id or "(no manager)",
        "agentId": agent_id,
        "agent": agent.name or agent_id,
    }


def _grouped(tallies: Sequence[Tally]) -> dict[tuple[str, str], list[dict[str, int]]]:
    """(week, agent) -> one {metric: count} per tally."""
    out: dict[tuple[str, str], list[dict[str, int]]] = defaultdict(
        lambda: [defaultdict(int) for _ in tallies]
    )
    for n, tally in enumerate(tallies):
        for (week, agent, metric), count in tally.counts.items():
            out[(week, agent)][n][metric] += count
    return out


def _rows(tallies: Sequence[Tally], agents: Mapping[str, Agent]) -> list[dict[str, Any]]:
    rows = []
    for (week, agent_id), per in _grouped(tallies).items():
        values = {m: [_value(c, m) for c in per] for m in METRICS}
        rows.append(
            {
                "week": week,
                **_people(agents, agent_id),
                "values": values,
                "difference": {m: _diff(v) for m, v in values.items()},
            }
        )
    return sorted(rows, key=lambda r: (r["week"], r["team"], r["agent"], r["agentId"]))


def _modules(tallies: Sequence[Tally], agents: Mapping[str, Agent]) -> list[dict[str, Any]]:
    found: dict[tuple[str, str, str, str], list[float]] = defaultdict(lambda: [0] * len(tallies))
    for n, tally in enumerate(tallies):
        for key, count in tally.modules.items():
            found[key][n] += count
    rows = [
        {
            "week": week,
            **_people(agents, agent_id),
            "section": section,
            "module": module,
            "moduleName": "",
            "values": values,
            "difference": _diff(values),
        }
        for (week, agent_id, section, module), values in found.items()
    ]
    return sorted(rows, key=lambda r: (r["week"], r["team"], r["agent"], r["section"]))


def _sum(rows: Sequence[Mapping[str, Any]], key: str, size: int) -> dict[str, dict[str, Any]]:
    """Totals of every metric per value of ``key`` ("" for all rows)."""
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        group = out.setdefault(row[key] if key else "", {m: [0] * size for m in METRICS})
        for m in METRICS:
            group[m] = [round(a + b, 2) for a, b in zip(group[m], row["values"][m], strict=True)]
    return out


def build(
    tallies: Sequence[Tally],
    names: Sequence[str],
    agents: Mapping[str, Agent],
    span: tuple[date, date],
    source: Mapping[str, Any],
) -> dict[str, Any]:
    """The report of one or two replays (same inputs, different policies): rows per week,
    team (the agent's manager) and agent; assignments per section and module; totals per week
    and overall; with two policies each value pair has its difference (second - first)."""
    rows = _rows(tallies, agents)
    size = len(tallies)
    weeks = _sum(rows, "week", size)
    totals = _sum(rows, "", size).get("", {m: [0] * size for m in METRICS})
    return {
        "from": span[0].isoformat(),
        "to": span[1].isoformat(),
        "policies": list(names),
        "metrics": list(METRICS),
        "totals": {m: {"values": v, "difference": _diff(v)} for m, v in totals.items()},
        "weeks": [{"week": w, "values": v} for w, v in sorted(weeks.items())],
        "rows": rows,
        "modules": _modules(tallies, agents),
        "source": dict(source),
    }


def name_modules(report: dict[str, Any], names: Mapping[str, str]) -> None:
    """Give each module row its module's name (``moduleName``; "" when unknown)."""
    for row in report["modules"]:
        row["moduleName"] = names.get(row["module"], "")


def week_labels(start: date, end: date) -> list[str]:
    """Every ISO week from ``start`` to ``end``, for charts that show empty weeks too."""
    out, day = [], start
    while day <= end:
        year, week, _ = day.isocalendar()
        label = f"{year}-W{week:02d}"
        if label not in out:
            out.append(label)
        day += timedelta(days=1)
    return out


# --- output formats -------------------------------------------------------------------------


def to_json(report: Mapping[str, Any]) -> str:
    """The report as indented JSON."""
    return json.dumps(report, indent=2, sort_keys=False)


def to_csv(report: Mapping[str, Any]) -> str:
    """One line per week, agent and metric (and per section and module for assignments),
    with a column per policy and, comparing two, the difference."""
    names = list(report["policies"])
    head = ["week", "team_id", "team", "agent_id", "agent", "metric", "section", "module"]
    head += ["module_name"]
    head += names + (["difference"] if len(names) == 2 else [])
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(head)
    for row in report["rows"]:
        for m in METRICS:
            values = row["values"][m]
            if any(values):
                out.writerow(_csv_line(row, m, ("", "", ""), values, row["difference"][m]))
    for row in report["modules"]:
        out.writerow(
            _csv_line(
                row,
                "assigned",
                (row["section"], row["module"], row["moduleName"]),
                row["values"],
                row["difference"],
            )
        )
    return buf.getvalue()


def _csv_line(
    row: Mapping[str, Any],
    metric: str,
    module: tuple[str, str, str],
    values: Sequence[float],
    difference: float | None,
) -> list[Any]:
    people = [row["week"], row["teamId"], row["team"], row["agentId"], row["agent"]]
    tail = [difference] if len(values) == 2 else []
    return [*people, metric, *module, *values, *tail]


def _cell(values: Sequence[float]) -> str:
    text = [f"{v:g}" for v in values]
    if len(values) == 2:
        d = values[1] - values[0]
        return f"{text[0]}->{text[1]} ({d:+g})" if d else text[0]
    return text[0]


def to_table(report: Mapping[str, Any]) -> str:
    """A plain-text table: totals, then one line per week, team and agent."""
    names = report["policies"]
    lines = [f"Policy replay {report['from']} to {report['to']}: " + " vs ".join(names)]
    lines.append("")
    for m in METRICS:
        total = report["totals"][m]
        lines.append(f"  {m.replace('_', ' '):22} {_cell(total['values'])}")
    lines.append("")
    cols = ["week", "team", "agent", *TABLE_METRICS]
    table = [[c.replace("_", " ") for c in cols]] + [
        [r["week"], r["team"], r["agent"], *(_cell(r["values"][m]) for m in TABLE_METRICS)]
        for r in report["rows"]
    ]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(cols))]
    for row in table:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    if report["modules"]:
        lines += ["", "Assignments by section and module:"]
        for r in report["modules"]:
            lines.append(
                f"  {r['week']}  {r['agent']}  {r['section']} -> "
                f"{r['moduleName'] or r['module'] or '(none)'}: "
                f"{_cell(r['values'])}"
            )
    return "\n".join(lines) + "\n"


FORMATS = {"table": to_table, "json": to_json, "csv": to_csv}
