"""The programme's public statistics: its headline figures and where its SMEs, completed
assessments and approved projects are, by province and by sector, with no cell small
enough to point at one company.

`suppress` is the disclosure control, a pure function on a table of counts (no ORM), so
it is tested on its own; the rest reads the database in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Count, F, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from assessments.models import AssessmentStatus
from programme import reference
from programme.home.queries import HEADLINE_KEYS, headline_figures
from programme.models import Programme
from programme.reference import Province
from projects.models import ProjectStatus
from smes.models import Application, ApplicationStatus

# A count under this could point at a company, so it is never published as it is.
THRESHOLD = 5

HEADLINE_LABELS: dict[str, Promise] = {
    "smes_enrolled": _("SMEs enrolled for a free assessment"),
    "managers_selected": _("Managers selected for the pool"),
    "assessments_planned": _("Assessments planned"),
    "assessments_assigned": _("Assessments assigned"),
    "assessments_completed": _("Assessments completed"),
    "projects_eligible": _("Development projects eligible for financing"),
    "projects_approved": _("Development projects approved for financing"),
    "projects_started": _("Development projects started"),
}

# The breakdowns' columns, in order: (figure, label).
MEASURES: tuple[tuple[str, Promise], ...] = (
    ("smes_enrolled", _("SMEs enrolled")),
    ("assessments_completed", _("Assessments completed")),
    ("projects_approved", _("Projects approved")),
)

# The same statuses as the headline figure, so the breakdown adds up to it.
PROJECT_APPROVED = (ProjectStatus.APPROVED, ProjectStatus.STARTED, ProjectStatus.CLOSED)


class CellState(StrEnum):
    SHOWN = "shown"
    # Under the threshold: published as "fewer than 5".
    SMALL = "small"
    # Hidden only because the totals and the other cells of its line would give a small one away.
    WITHHELD = "withheld"


@dataclass(frozen=True)
class Cell:
    value: int
    state: CellState

    @property
    def shown(self) -> bool:
        return self.state == CellState.SHOWN

    @property
    def small(self) -> bool:
        return self.state == CellState.SMALL

    @property
    def withheld(self) -> bool:
        return self.state == CellState.WITHHELD


def suppress(
    table: Sequence[Sequence[int]],
    *,
    threshold: int = THRESHOLD,
    column_totals: bool = True,
    row_totals: bool = False,
) -> list[list[Cell]]:
    """Which cells of a table of counts may be published.

    A count from 1 to threshold - 1 is "small" (primary suppression): it is published as
    "fewer than threshold". A zero is shown: it points at no company. Where a total is
    published (of each column, of each row, or both), someone who subtracts the shown cells
    from it knows the sum of the hidden ones; if that pins down a small cell (a lone one, or
    two small ones that can only be 1 and 1, or a withheld one that would then give a small
    one away in its other line), another cell of the line is withheld: the
    smallest non-zero one, as it loses the least. Never a zero: "not shown" is then known to
    be 0 or at least the threshold, and with a small sum it could only be 0. This goes on
    until no line pins down a small cell, or a line has nothing left to withhold (its total
    then gives its only count away, and the total is public anyway).
    """
    values = [list(row) for row in table]
    if any(value < 0 for row in values for value in row):
        raise ValueError("counts cannot be negative")
    width = max((len(row) for row in values), default=0)
    if any(len(row) != width for row in values):
        raise ValueError("every row needs the same number of cells")

    small = {(r, c) for r, row in enumerate(values) for c, value in enumerate(row) if 0 < value < threshold}
    hidden = set(small)
    lines: list[list[tuple[int, int]]] = []
    if column_totals:
        lines += [[(r, c) for r in range(len(values))] for c in range(width)]
    if row_totals:
        lines += [[(r, c) for c in range(width)] for r in range(len(values))]

    def value(position: tuple[int, int]) -> int:
        return values[position[0]][position[1]]

    def pins_down_a_hidden_cell(line: list[tuple[int, int]]) -> bool:
        """Whether the line's total, less its shown cells, leaves a hidden cell one possible
        value, given that a small cell is 1 to threshold - 1 and a withheld one at least
        threshold. A withheld cell counts too: once known, it gives away the small cell of
        its other line."""
        hidden_cells = [position for position in line if position in hidden]
        hidden_sum = sum(value(position) for position in hidden_cells)
        bounds = {
            position: (1, threshold - 1) if position in small else (threshold, hidden_sum)
            for position in hidden_cells
        }
        for position in hidden_cells:
            low, high = bounds[position]
            others = [bounds[other] for other in hidden_cells if other != position]
            lowest = max(low, hidden_sum - sum(other_high for _other_low, other_high in others))
            highest = min(high, hidden_sum - sum(other_low for other_low, _other_high in others))
            if lowest >= highest:
                return True
        return False

    changed = True
    while changed:
        changed = False
        for line in lines:
            if not pins_down_a_hidden_cell(line):
                continue
            candidates = [position for position in line if position not in hidden and value(position) > 0]
            if not candidates:
                continue
            # The least informative cell to lose: the smallest, then the first.
            hidden.add(min(candidates, key=lambda position: (value(position), position)))
            changed = True

    def state(position: tuple[int, int]) -> CellState:
        if position in small:
            return CellState.SMALL
        if position in hidden:
            return CellState.WITHHELD
        return CellState.SHOWN

    return [[Cell(cell, state((r, c))) for c, cell in enumerate(row)] for r, row in enumerate(values)]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: int


@dataclass(frozen=True)
class BreakdownRow:
    label: str
    cells: list[Cell]


@dataclass(frozen=True)
class Breakdown:
    rows: list[BreakdownRow]
    totals: list[int]
    # For the page: the section's anchor, its heading and its first column's heading.
    slug: str = ""
    title: str = ""
    row_heading: str = ""

    @property
    def any_small(self) -> bool:
        return any(cell.small for row in self.rows for cell in row.cells)

    @property
    def any_withheld(self) -> bool:
        return any(cell.withheld for row in self.rows for cell in row.cells)


def headline(programme: Programme | None) -> list[Figure]:
    """The public figures with their labels, computed as `manage.py stats` computes them."""
    figures = headline_figures(programme)
    return [Figure(key, str(HEADLINE_LABELS[key]), figures[key]) for key in HEADLINE_KEYS]


def _counts_by(programme: Programme, company_field: str) -> list[tuple[str, list[int]]]:
    """Each value of the company's field with its counts of MEASURES, in one query. The joins
    multiply rows, hence the distinct counts."""
    rows = (
        Application.objects.filter(programme=programme)
        .values(key=F(f"company__{company_field}"))
        .annotate(
            smes_enrolled=Count("pk", filter=Q(status=ApplicationStatus.ENROLLED), distinct=True),
            assessments_completed=Count(
                "assessments",
                filter=Q(assessments__status=AssessmentStatus.COMPLETED, assessments__programme=programme),
                distinct=True,
            ),
            projects_approved=Count(
                "assessments__project",
                filter=Q(
                    assessments__project__status__in=PROJECT_APPROVED,
                    assessments__project__programme=programme,
                ),
                distinct=True,
            ),
        )
        .order_by("key")
    )
    counts = [(row["key"] or "", [row[key] for key, _label in MEASURES]) for row in rows]
    # A province or sector with only refused or withdrawn applications has nothing to show.
    return [(key, values) for key, values in counts if any(values)]


def _breakdown(counts: list[tuple[str, list[int]]], labels: dict[str, str], **headings: str) -> Breakdown:
    cells = suppress([values for _key, values in counts])
    rows = [
        BreakdownRow(labels.get(key, key), row) for (key, _values), row in zip(counts, cells, strict=True)
    ]
    totals = [sum(values[index] for _key, values in counts) for index in range(len(MEASURES))]
    return Breakdown(rows=rows, totals=totals, **headings)


def by_province(programme: Programme) -> Breakdown:
    labels = {str(code): str(label) for code, label in Province.choices}
    counts = sorted(_counts_by(programme, "province"), key=lambda item: labels.get(item[0], item[0]))
    return _breakdown(
        counts,
        labels | {"": str(_("Province not recorded"))},
        slug="by-province",
        title=str(_("By province")),
        row_heading=str(_("Province")),
    )


def by_sector(programme: Programme) -> Breakdown:
    labels = {letter: f"{letter} - {title}" for letter, title in reference.sections()}
    counts = _counts_by(programme, "ateco_section")
    # ISTAT's order is the sections' letters; a company without one comes last.
    counts.sort(key=lambda item: (item[0] == "", item[0]))
    return _breakdown(
        counts,
        labels | {"": str(_("Sector not recorded"))},
        slug="by-sector",
        title=str(_("By sector (ATECO section)")),
        row_heading=str(_("Sector")),
    )


def public_statistics(programme: Programme | None) -> dict:
    """Everything the public statistics page shows."""
    context: dict = {
        "figures": headline(programme),
        "measures": [str(label) for _key, label in MEASURES],
        "threshold": THRESHOLD,
        "breakdowns": [],
    }
    if programme is not None:
        context["breakdowns"] = [by_province(programme), by_sector(programme)]
    return context
