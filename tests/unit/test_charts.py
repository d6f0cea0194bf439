"""Server-side SVG charts: well-formed, escaped, and scaled from the data."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from console import charts

SVG = "{http://www.w3.org/2000/svg}"


def test_bars_are_well_formed_svg_scaled_to_the_largest_value_and_escape_labels():
    svg = ET.fromstring(str(charts.hbar([("<b>望京</b>", 50.0), ("三里屯", 100.0), ("none", None)],
                                        title="A & B", max_value=None)))
    assert svg.find(f"{SVG}title").text == "A & B"
    widths = [float(r.get("width")) for r in svg.iter(f"{SVG}rect")]
    assert widths[1] == 2 * widths[0] and widths[2] == 0
    assert "<b>望京</b>" in [t.text for t in svg.iter(f"{SVG}text")]  # shown as text, not markup


def test_stacked_columns_stack_each_series_to_the_total():
    svg = ET.fromstring(str(charts.stacked_columns(["2026-10", "2026-11"], {"a": [1, 3], "b": [1, 1]}, title="t")))
    bars = [r for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    heights = [float(r.get("height")) for r in bars]  # a@10, b@10, a@11, b@11
    assert heights[2] + heights[3] > heights[0] + heights[1]
    assert abs((heights[2] + heights[3]) - 2 * (heights[0] + heights[1])) < 0.5


def test_lines_leave_a_gap_where_a_month_has_nothing_to_measure():
    svg = ET.fromstring(str(charts.lines(["1", "2", "3", "4"], {"r": [0.5, 0.6, None, 0.7]}, title="t")))
    assert len(list(svg.iter(f"{SVG}circle"))) == 3
    assert len(list(svg.iter(f"{SVG}polyline"))) == 1  # 1-2 joined; 4 stands alone


def test_heat_classes_run_from_empty_to_the_peak():
    assert [charts.heat_class(n, 90) for n in (0, 1, 45, 90)] == ["heat-0", "heat-1", "heat-5", "heat-9"]
