"""The report's figures and chart: pure functions, no database."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from decimal import Decimal

from assessments.reports import chart

SVG = "{http://www.w3.org/2000/svg}"
WORDS = chart.ChartWords(
    title="Levels",
    description="Current and target",
    current="Current",
    target="Target",
    not_scored="not scored",
)


def test_the_overall_score_is_the_mean_level_times_twenty():
    assert chart.overall_score([2, 3, 2, 1, 2, 2]) == Decimal("40.0")
    assert chart.overall_score([3, 3, 4, 2, 3, 3]) == Decimal("60.0")
    assert chart.overall_score([1, 2, 2, 2, 2, 2]) == Decimal("36.7")
    assert chart.overall_score([5] * 6) == Decimal("100.0")
    assert chart.overall_score([0] * 6) == Decimal("0.0")


def test_there_is_no_overall_score_while_a_dimension_is_not_scored():
    assert chart.overall_score([2, 3, None, 1, 2, 2]) is None
    assert chart.overall_score([]) is None


def test_a_level_reads_on_the_eu_tools_scale():
    assert chart.level_score(3) == 60
    assert chart.level_score(None) is None


def test_the_chart_is_valid_svg_with_a_title_a_description_and_two_bars_a_row():
    rows = [chart.ChartRow("Strategy", 2, 4), chart.ChartRow("Data", 5, 5), chart.ChartRow("Green", 0, 3)]
    svg = ElementTree.fromstring(chart.levels_chart(rows, WORDS, chart_id="test-chart"))  # noqa: S314 - markup we draw ourselves
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "test-chart-title test-chart-description"
    assert svg.find(f"{SVG}title").text == "Levels"
    assert svg.find(f"{SVG}desc").text == "Current and target"
    bars = [rect for rect in svg.iter(f"{SVG}rect")][2:]  # after the legend's two swatches
    assert len(bars) == 2 * len(rows)
    unit = (chart.WIDTH - chart.MARGIN_LEFT - chart.MARGIN_RIGHT) / chart.HIGHEST_LEVEL
    widths = [float(rect.get("width")) for rect in bars]
    assert widths[0] == 2 * unit and widths[1] == 4 * unit
    assert widths[2] == widths[3] == 5 * unit
    # Level 0 still shows a sliver, so the row is not read as missing.
    assert widths[4] == 2 and widths[5] == 3 * unit
    texts = [text.text for text in svg.iter(f"{SVG}text")]
    assert {"Strategy", "Data", "Green"} <= set(texts)


def test_labels_are_escaped_and_unscored_levels_are_said():
    rows = [chart.ChartRow('Sales & "marketing" <b>', None, 3)]
    markup = chart.levels_chart(rows, WORDS)
    assert "<b>" not in markup
    svg = ElementTree.fromstring(markup)  # noqa: S314 - markup we draw ourselves
    texts = [text.text for text in svg.iter(f"{SVG}text")]
    assert 'Sales & "marketing" <b>' in texts
    assert "not scored" in texts


def test_the_same_rows_draw_the_same_chart():
    rows = [chart.ChartRow("A", 1, 2), chart.ChartRow("B", 3, 4)]
    assert chart.levels_chart(rows, WORDS) == chart.levels_chart(rows, WORDS)
