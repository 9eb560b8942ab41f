"""The report's figures and its chart: the overall score on the EU tool's 0-100 scale, and
the current against the target level of each dimension drawn as SVG.

Pure: plain values in, a number or a string of SVG out, no ORM and no request, so the
page, the PDF and the tests draw the same chart. The SVG is drawn on the server, so it
prints and goes into the PDF as it is; it carries a title and a description for screen
readers, and the page shows the same figures in a table beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape, quoteattr

HIGHEST_LEVEL = 5
# The EU Digital Maturity Assessment reads a level L as the score 20 * L out of 100.
POINTS_PER_LEVEL = 20

# Geometry, in the SVG's own units (it scales to the width it is given).
WIDTH = 720
MARGIN_LEFT = 16
MARGIN_RIGHT = 24
LEGEND_HEIGHT = 34
LABEL_HEIGHT = 16
BAR_HEIGHT = 11
BAR_GAP = 3
ROW_GAP = 14
AXIS_HEIGHT = 28
CURRENT_COLOUR = "#0b3d91"
TARGET_COLOUR = "#f0ad4e"
TARGET_STROKE = "#a86a00"
GRID_COLOUR = "#ced4da"
TEXT_COLOUR = "#212529"
MUTED_COLOUR = "#6c757d"
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


@dataclass(frozen=True)
class ChartRow:
    """One dimension of the chart: its label, and its levels (None when not scored)."""

    label: str
    current: int | None
    target: int | None


@dataclass(frozen=True)
class ChartWords:
    """What the chart says, already in the reader's language."""

    title: str
    description: str
    current: str
    target: str
    not_scored: str


def overall_score(levels: Iterable[int | None]) -> Decimal | None:
    """The mean of the levels times 20, to one decimal: the EU tool's overall score when
    given the six EU dimensions. None while any of them is not scored, since a mean over
    fewer dimensions would not compare with the EU tool's."""
    values = list(levels)
    if not values or any(value is None for value in values):
        return None
    mean = Decimal(sum(values)) / Decimal(len(values))
    return (mean * POINTS_PER_LEVEL).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def level_score(level: int | None) -> int | None:
    """One level on the 0-100 scale."""
    return None if level is None else level * POINTS_PER_LEVEL


def _number(value: float) -> str:
    """Coordinates without trailing zeros, so the markup stays short and stable."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(
    x: float,
    y: float,
    content: str,
    *,
    size: int = 12,
    anchor: str = "start",
    colour: str = TEXT_COLOUR,
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{_number(x)}" y="{_number(y)}" font-size="{size}" font-family={quoteattr(FONT)} '
        f'fill="{colour}" text-anchor="{anchor}" font-weight="{weight}">{escape(content)}</text>'
    )


def levels_chart(rows: Sequence[ChartRow], words: ChartWords, *, chart_id: str = "levels-chart") -> str:
    """Horizontal bars on the 0-5 scale: for each dimension, its current level (solid) and
    its target level (lighter, outlined), the number written at the end of each bar."""
    plot_left = MARGIN_LEFT
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    unit = plot_width / HIGHEST_LEVEL
    row_height = LABEL_HEIGHT + 2 * BAR_HEIGHT + BAR_GAP + ROW_GAP
    plot_top = LEGEND_HEIGHT
    plot_bottom = plot_top + row_height * len(rows)
    height = plot_bottom + AXIS_HEIGHT
    title_id = f"{chart_id}-title"
    description_id = f"{chart_id}-description"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id={quoteattr(chart_id)} class="levels-chart" '
        f'viewBox="0 0 {WIDTH} {_number(height)}" width="100%" role="img" '
        f'aria-labelledby="{title_id} {description_id}" preserveAspectRatio="xMinYMin meet">',
        f"<title id={quoteattr(title_id)}>{escape(words.title)}</title>",
        f"<desc id={quoteattr(description_id)}>{escape(words.description)}</desc>",
    ]
    # Legend.
    parts.append(f'<rect x="{plot_left}" y="8" width="14" height="{BAR_HEIGHT}" fill="{CURRENT_COLOUR}"/>')
    parts.append(_text(plot_left + 20, 18, words.current))
    legend_target_x = plot_left + 28 + 8 * len(words.current) + 24
    parts.append(
        f'<rect x="{_number(legend_target_x)}" y="8" width="14" height="{BAR_HEIGHT}" '
        f'fill="{TARGET_COLOUR}" stroke="{TARGET_STROKE}" stroke-width="1"/>'
    )
    parts.append(_text(legend_target_x + 20, 18, words.target))
    # Grid: one line per level, numbered below the plot.
    for level in range(HIGHEST_LEVEL + 1):
        x = plot_left + level * unit
        parts.append(
            f'<line x1="{_number(x)}" y1="{plot_top}" x2="{_number(x)}" y2="{_number(plot_bottom)}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
        parts.append(_text(x, plot_bottom + 16, str(level), size=11, anchor="middle", colour=MUTED_COLOUR))
    # Bars.
    for index, row in enumerate(rows):
        top = plot_top + index * row_height
        parts.append(_text(plot_left, top + 12, row.label, weight="bold"))
        bars = ((row.current, CURRENT_COLOUR, ""), (row.target, TARGET_COLOUR, TARGET_STROKE))
        for offset, (level, fill, stroke) in enumerate(bars):
            y = top + LABEL_HEIGHT + offset * (BAR_HEIGHT + BAR_GAP)
            if level is None:
                parts.append(
                    _text(plot_left + 4, y + BAR_HEIGHT - 1, words.not_scored, size=10, colour=MUTED_COLOUR)
                )
                continue
            width = max(level * unit, 2)
            outline = f' stroke="{stroke}" stroke-width="1"' if stroke else ""
            parts.append(
                f'<rect x="{plot_left}" y="{_number(y)}" width="{_number(width)}" height="{BAR_HEIGHT}" '
                f'fill="{fill}"{outline}/>'
            )
            # The figure sits just past the bar, or inside it at level 5 where there is no room.
            inside = level == HIGHEST_LEVEL
            parts.append(
                _text(
                    plot_left + width + (-4 if inside else 4),
                    y + BAR_HEIGHT - 1,
                    str(level),
                    size=10,
                    anchor="end" if inside else "start",
                    colour="#ffffff" if inside and fill == CURRENT_COLOUR else TEXT_COLOUR,
                )
            )
    parts.append("</svg>")
    return "".join(parts)
