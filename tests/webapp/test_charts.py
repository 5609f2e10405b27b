"""The SVG chart helpers: well-formed SVG, accessible names, values as text, patterns and shapes
that tell series apart without colour, escaping, and the data table fallback."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from service.webapp.charts import Series, bar_chart, data_table, figure, line_chart

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def test_bar_chart_names_itself_and_labels_every_bar_with_its_value():
    svg = parse(
        bar_chart(
            "c1",
            "Assignments per week",
            "Current and candidate policy",
            ["2026-W01", "2026-W02"],
            [Series("current", [3, 0]), Series("candidate", [5, 2.5])],
        )
    )
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find("s:title", NS).text == "Assignments per week"
    assert svg.find("s:desc", NS).text == "Current and candidate policy"
    bars = [
        r for r in svg.iter("{http://www.w3.org/2000/svg}rect") if r.find("s:title", NS) is not None
    ]
    assert [b.find("s:title", NS).text for b in bars] == [
        "current, 2026-W01: 3",
        "candidate, 2026-W01: 5",
        "current, 2026-W02: 0",
        "candidate, 2026-W02: 2.5",
    ]
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    for value in ("3", "5", "0", "2.5"):
        assert value in texts
    assert "2026-W01" in texts and "current" in texts and "candidate" in texts


def test_bar_heights_are_proportional_and_the_largest_fills_the_plot():
    svg = parse(bar_chart("c", "t", "d", ["a"], [Series("x", [10]), Series("y", [5])]))
    bars = [
        r for r in svg.iter("{http://www.w3.org/2000/svg}rect") if r.find("s:title", NS) is not None
    ]
    heights = [float(b.get("height")) for b in bars]
    assert heights[0] == pytest.approx(2 * heights[1], abs=0.2)
    assert heights[0] == pytest.approx(300 - 16 - 64, abs=0.2)


def test_all_zero_values_draw_flat_bars_not_a_division_by_zero():
    svg = parse(bar_chart("z", "t", "d", ["a", "b"], [Series("x", [0, 0])]))
    bars = [
        r for r in svg.iter("{http://www.w3.org/2000/svg}rect") if r.find("s:title", NS) is not None
    ]
    assert [float(b.get("height")) for b in bars] == [0.0, 0.0]


def test_each_series_gets_a_distinct_pattern_with_ids_prefixed_by_the_chart_id():
    series = [Series(f"s{i}", [1]) for i in range(4)]
    svg = parse(bar_chart("wk", "t", "d", ["a"], series))
    patterns = svg.findall("s:defs/s:pattern", NS)
    assert [p.get("id") for p in patterns] == ["wk-p0", "wk-p1", "wk-p2", "wk-p3"]
    drawn = [ET.tostring(p) for p in patterns]
    shapes = [d.split(b">", 2)[2] for d in drawn]  # the marks after the background rect
    assert len(set(shapes)) == 4


def test_line_chart_uses_distinct_markers_and_dashes_and_labels_points():
    svg = parse(
        line_chart(
            "l1",
            "Hours per week",
            "Appointment hours",
            ["W1", "W2", "W3"],
            [Series("current", [1, 2, 3]), Series("candidate", [2, 2, 0])],
        )
    )
    lines = svg.findall("s:polyline", NS)
    assert len(lines) == 2
    assert lines[0].get("stroke-dasharray") != lines[1].get("stroke-dasharray")
    assert len(svg.findall("s:circle", NS)) == 3 + 1  # three points and the legend marker
    assert len(svg.findall("s:polygon", NS)) == 0
    squares = [r for r in svg.findall("s:rect", NS) if r.get("width") == "9.0"]
    assert len(squares) == 3 + 1
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert texts.count("2") >= 3 and "0" in texts and "W3" in texts


def test_higher_values_are_drawn_higher_on_the_line_chart():
    svg = parse(line_chart("l", "t", "d", ["a", "b"], [Series("x", [1, 4])]))
    points = svg.find("s:polyline", NS).get("points").split()
    y_low, y_high = (float(p.split(",")[1]) for p in points)
    assert y_high < y_low


def test_text_is_escaped():
    markup = bar_chart("e", "<b>t</b>", "a & b", ["<x>"], [Series("<s>", [1])])
    assert "<b>" not in str(markup) and "&lt;b&gt;" in str(markup)
    parse(markup)  # still well-formed


@pytest.mark.parametrize("maker", [bar_chart, line_chart])
def test_a_series_with_the_wrong_number_of_values_is_refused(maker):
    with pytest.raises(ValueError, match="has 1 values for 2 categories"):
        maker("x", "t", "d", ["a", "b"], [Series("s", [1])])


def test_data_table_and_figure_give_the_numbers_as_a_table():
    table = data_table("Per week", ["W1", "W2"], [Series("a", [1, 2.25]), Series("b", [0, 3])])
    root = ET.fromstring(str(table))
    assert root.find("caption").text == "Per week"
    assert [th.text for th in root.iter("th")] == ["a", "b", "W1", "W2"]
    assert [td.text for td in root.iter("td") if td.text] == ["1", "0", "2.2", "3"]
    chart = bar_chart("f", "t", "d", ["W1"], [Series("a", [1])])
    fig = figure(
        chart,
        "Cap",
        ["W1"],
        [Series("a", [1])],
    )
    assert str(chart) in str(fig)
    assert "<figcaption>Cap</figcaption>" in str(fig) and "<details>" in str(fig)
