"""Small server-rendered SVG charts for the web app: a grouped bar chart and a line chart.

Readable without colour alone (WCAG 1.4.1): every series also has its own fill pattern (bars) or
marker shape and dash (lines), every bar and point carries its value as text, the legend repeats
pattern and shape, and each chart has ``<title>``/``<desc>`` plus an HTML data table fallback
(:func:`data_table`, or :func:`figure` for chart and table together).

Pure functions: values in, escaped ``Markup`` out; no Flask, no JavaScript.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Colours with at least 3:1 contrast against white; patterns and shapes carry the meaning.
COLOURS = ("#1f4e79", "#b03a00", "#2d6a2d", "#6b2c91", "#7a5c00", "#005f6b")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "bar")
PATTERNS = ("solid", "diagonal", "dots", "cross", "horizontal", "vertical")

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 64


@dataclass(frozen=True)
class Series:
    """One named series: one value per category (bars) or per x label (lines)."""

    name: str
    values: Sequence[float]


def _fmt(value: float) -> str:
    """A value label: integers without decimals, others with one."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _scale_max(series: Sequence[Series]) -> float:
    """The top of the value axis: the largest value (at least 1), so bars never overflow."""
    top = max((v for s in series for v in s.values), default=0.0)
    return max(float(top), 1.0)


def _pattern_def(chart_id: str, index: int) -> str:
    """An SVG ``<pattern>`` for series ``index``: a fill that differs by shape, not only colour."""
    colour = COLOURS[index % len(COLOURS)]
    kind = PATTERNS[index % len(PATTERNS)]
    pid = f"{chart_id}-p{index}"
    marks = {
        "solid": "",
        "diagonal": '<path d="M0,8 L8,0" stroke="#fff" stroke-width="2"/>',
        "dots": '<circle cx="4" cy="4" r="1.6" fill="#fff"/>',
        "cross": '<path d="M0,0 L8,8 M8,0 L0,8" stroke="#fff" stroke-width="1.5"/>',
        "horizontal": '<path d="M0,4 L8,4" stroke="#fff" stroke-width="2"/>',
        "vertical": '<path d="M4,0 L4,8" stroke="#fff" stroke-width="2"/>',
    }[kind]
    return (
        f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="{colour}"/>{marks}</pattern>'
    )


def _marker(index: int, x: float, y: float, size: float = 4.5) -> str:
    """A point marker whose shape identifies series ``index``."""
    colour = COLOURS[index % len(COLOURS)]
    kind = MARKERS[index % len(MARKERS)]
    s = size
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{s}" fill="{colour}"/>'
    if kind == "square":
        return (
            f'<rect x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s}" height="{2 * s}" '
            f'fill="{colour}"/>'
        )
    if kind == "triangle":
        pts = f"{x:.1f},{y - s:.1f} {x - s:.1f},{y + s:.1f} {x + s:.1f},{y + s:.1f}"
        return f'<polygon points="{pts}" fill="{colour}"/>'
    if kind == "diamond":
        pts = f"{x:.1f},{y - s:.1f} {x + s:.1f},{y:.1f} {x:.1f},{y + s:.1f} {x - s:.1f},{y:.1f}"
        return f'<polygon points="{pts}" fill="{colour}"/>'
    if kind == "cross":
        d = (
            f"M{x - s:.1f},{y - s:.1f} L{x + s:.1f},{y + s:.1f} "
            f"M{x + s:.1f},{y - s:.1f} L{x - s:.1f},{y + s:.1f}"
        )
        return f'<path d="{d}" stroke="{colour}" stroke-width="2.5"/>'
    return f'<rect x="{x - s:.1f}" y="{y - 1.5:.1f}" width="{2 * s}" height="3" fill="{colour}"/>'


def _frame(chart_id: str, title: str, desc: str, body: list[str], defs: str = "") -> Markup:
    """The ``<svg>`` element with an accessible name (title) and description."""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
    )
    return Markup(head + (f"<defs>{defs}</defs>" if defs else "") + "".join(body) + "</svg>")


def _axis(top: float) -> list[str]:
    """The value axis: baseline, a mid and a top gridline with their values."""
    plot_h = HEIGHT - TOP - BOTTOM
    out = []
    for frac in (0.0, 0.5, 1.0):
        y = TOP + plot_h * (1 - frac)
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#767676" stroke-width="{1 if frac == 0 else 0.5}"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#222">{escape(_fmt(top * frac))}</text>'
        )
    return out


def _legend(series: Sequence[Series], chart_id: str, *, lines: bool) -> list[str]:
    """The legend under the plot: pattern swatch (bars) or dashed line and marker (lines)."""
    out, x, y = [], float(LEFT), float(HEIGHT - 14)
    for i, s in enumerate(series):
        if lines:
            dash = DASHES[i % len(DASHES)]
            out.append(
                f'<line x1="{x:.1f}" x2="{x + 22:.1f}" y1="{y - 4:.1f}" y2="{y - 4:.1f}" '
                f'stroke="{COLOURS[i % len(COLOURS)]}" stroke-width="2" '
                f'stroke-dasharray="{dash}"/>' + _marker(i, x + 11, y - 4)
            )
        else:
            out.append(
                f'<rect x="{x:.1f}" y="{y - 11:.1f}" width="14" height="14" '
                f'fill="url(#{chart_id}-p{i})" stroke="#222" stroke-width="0.5"/>'
            )
        out.append(
            f'<text x="{x + 26:.1f}" y="{y:.1f}" font-size="12" fill="#222">{escape(s.name)}</text>'
        )
        x += 34 + 7 * len(s.name)
    return out


def bar_chart(
    chart_id: str, title: str, desc: str, categories: Sequence[str], series: Sequence[Series]
) -> Markup:
    """A grouped bar chart: one group per category, one patterned bar per series, each labelled
    with its value. ``chart_id`` must be unique on the page (it prefixes the pattern ids).

    Raises ValueError when a series has not exactly one value per category.
    """
    _check(categories, series)
    top = _scale_max(series)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    defs = "".join(_pattern_def(chart_id, i) for i in range(len(series)))
    body = _axis(top)
    for c, label in enumerate(categories):
        gx = LEFT + c * group_w + group_w * 0.1
        for i, s in enumerate(series):
            value = float(s.values[c])
            h = plot_h * value / top
            x, y = gx + i * bar_w, TOP + plot_h - h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w * 0.92:.1f}" height="{h:.1f}" '
                f'fill="url(#{chart_id}-p{i})" stroke="#222" stroke-width="0.5">'
                f"<title>{escape(s.name)}, {escape(label)}: {escape(_fmt(value))}</title></rect>"
                f'<text x="{x + bar_w * 0.46:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                f'font-size="10" fill="#222">{escape(_fmt(value))}</text>'
            )
        body.append(_x_label(LEFT + (c + 0.5) * group_w, label))
    body += _legend(series, chart_id, lines=False)
    return _frame(chart_id, title, desc, body, defs)


def line_chart(
    chart_id: str, title: str, desc: str, x_labels: Sequence[str], series: Sequence[Series]
) -> Markup:
    """A line chart: one line per series with its own dash and marker shape, each point labelled
    with its value.

    Raises ValueError when a series has not exactly one value per x label.
    """
    _check(x_labels, series)
    top = _scale_max(series)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(x_labels), 1)
    body = _axis(top)
    for i, s in enumerate(series):
        points = [
            (LEFT + (k + 0.5) * step, TOP + plot_h * (1 - float(v) / top))
            for k, v in enumerate(s.values)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{COLOURS[i % len(COLOURS)]}" '
            f'stroke-width="2" stroke-dasharray="{DASHES[i % len(DASHES)]}"/>'
        )
        for (x, y), v in zip(points, s.values, strict=True):
            body.append(
                _marker(i, x, y)
                + f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle" font-size="10" '
                f'fill="#222">{escape(_fmt(float(v)))}</text>'
            )
    for k, label in enumerate(x_labels):
        body.append(_x_label(LEFT + (k + 0.5) * step, label))
    body += _legend(series, chart_id, lines=True)
    return _frame(chart_id, title, desc, body)


def _x_label(x: float, label: str) -> str:
    """A category label under the plot (long labels shortened; the table has them whole)."""
    short = label if len(label) <= 14 else label[:13] + "…"
    y = HEIGHT - BOTTOM + 16
    return (
        f'<text x="{x:.1f}" y="{y}" text-anchor="middle" font-size="11" '
        f'fill="#222">{escape(short)}</text>'
    )


def _check(categories: Sequence[str], series: Sequence[Series]) -> None:
    """Raise ValueError unless every series has one value per category."""
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(
                f"series {s.name!r} has {len(s.values)} values for {len(categories)} categories"
            )


def data_table(caption: str, categories: Sequence[str], series: Sequence[Series]) -> Markup:
    """The chart's data as an HTML table: one row per category, one column per series."""
    _check(categories, series)
    head = "".join(f'<th scope="col">{escape(s.name)}</th>' for s in series)
    rows = "".join(
        f'<tr><th scope="row">{escape(label)}</th>'
        + "".join(f"<td>{escape(_fmt(float(s.values[c])))}</td>" for s in series)
        + "</tr>"
        for c, label in enumerate(categories)
    )
    return Markup(
        f'<table class="chart-data"><caption>{escape(caption)}</caption>'
        f"<thead><tr><td></td>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def figure(
    chart: Markup, caption: str, categories: Sequence[str], series: Sequence[Series]
) -> Markup:
    """A ``<figure>`` with the chart, its caption and the data table in a ``<details>``."""
    table = data_table(caption, categories, series)
    return Markup(
        f'<figure class="chart-figure">{chart}<figcaption>{escape(caption)}</figcaption>'
        f"<details><summary>Data table: {escape(caption)}</summary>{table}</details></figure>"
    )
