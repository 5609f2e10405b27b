"""``qmloop insights effectiveness|trust|evaluators``: the insight reports on the terminal."""

from __future__ import annotations

from typing import Any

import click

from service.cliutil import echo_json, format_option, render_table


def _when(value: str | None, name: str) -> Any:
    from service.exports.cli import parse_when

    return parse_when(value, name)


def _report(kind: str, **window: Any) -> dict[str, Any]:
    from service.cli import _app_and_settings
    from service.db import get_db, utcnow
    from service.insights import service

    app, settings = _app_and_settings()
    with get_db(app).session_scope() as session:
        if kind == "effectiveness":
            return service.effectiveness(session, settings=settings, **window)
        return service.trust_report(session, settings=settings, now=utcnow())


def _ci(i: dict[str, Any]) -> str:
    if i.get("ci_low") is None:
        return "-"
    return f"{i['estimate']:+.1f} [{i['ci_low']:+.1f}, {i['ci_high']:+.1f}]"


@click.group("insights")
def insights_group() -> None:
    """Coaching effectiveness and trust in automated scoring (docs/insights.md)."""


@insights_group.command("effectiveness")
@click.option("--from", "start", help="Coachings completed at or after (ISO 8601, UTC).")
@click.option("--to", "end", help="Coachings completed before (ISO 8601, UTC).")
@format_option()
def effectiveness(start: str | None, end: str | None, fmt: str) -> None:
    """Per module: before/after section score, change and difference-in-differences (95 % CI)."""
    window = {"start": _when(start, "--from"), "end": _when(end, "--to")}
    if window["start"] and window["end"] and window["start"] >= window["end"]:
        raise click.BadParameter("must be after --from", param_hint="--to")
    found = _report("effectiveness", **window)
    if fmt == "json":
        echo_json(found)
        return
    headers = ["module", "section", "trigger", "target", "n", "before", "after", "change", "did"]
    rows = [
        [
            m["module_id"] or "-",
            m["section_name"] or m["section_key"],
            m["trigger"],
            m["target"],
            f"{m['n_before']}/{m['n_after']}",
            m["mean_before"],
            m["mean_after"],
            _ci(m["change"]),
            f"{_ci(m['did'])} {m['verdict']}",
        ]
        for m in found["modules"]
    ]
    click.echo(render_table(headers, rows))


@insights_group.command("trust")
@format_option()
def trust(fmt: str) -> None:
    """Per question: AI-human kappa (latest window), overturn rate, and alerts."""
    found = _report("trust")
    if fmt == "json":
        echo_json({k: found[k] for k in ("questions", "languages", "alerts", "summary")})
        return
    headers = ["form", "question", "pairs", "kappa", "overturned", "alert"]
    rows = [
        [
            q["form_id"],
            q["question_id"],
            q["agreement"]["pairs"],
            q["agreement"]["kappa"],
            f"{q['overturn']['changed']}/{q['overturn']['decided']}",
            " ".join(k for k in ("kappa", "overturn") if q[f"{k}_alert"]) or "-",
        ]
        for q in found["questions"]
    ]
    click.echo(render_table(headers, rows))


@insights_group.command("evaluators")
@format_option()
def evaluators(fmt: str) -> None:
    """Per evaluator: dispute overturn rate next to calibration bias."""
    found = _report("trust")["evaluators"]
    if fmt == "json":
        echo_json(found)
        return
    headers = ["evaluator", "overturned", "rate", "bias", "vs consensus"]
    rows = [
        [
            e["evaluator_id"],
            f"{e['overturn']['changed']}/{e['overturn']['decided']}",
            e["overturn"]["rate"],
            e["bias_direction"] or "-",
            e["bias_from_consensus"],
        ]
        for e in found
    ]
    click.echo(render_table(headers, rows))


commands = [insights_group]
