"""The public statistics: small-cell suppression on its own, the breakdowns against data
built for the test, the page (public, no names, a fixed number of queries) and the landing
page's figures."""

from __future__ import annotations

import datetime
import io
import json
import random

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from assessments.models import Assessment, AssessmentStatus
from managers.models import ManagerStatus
from programme.home import statistics
from programme.home.statistics import CellState, suppress
from projects.models import Project, ProjectStatus
from smes.models import Application, ApplicationStatus
from tests.factories import ApplicationFactory, CompanyFactory, ManagerFactory

S, SMALL, WITHHELD = CellState.SHOWN, CellState.SMALL, CellState.WITHHELD


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def visitor() -> Client:
    """An anonymous visitor who chose English (the site speaks Italian by default)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def states(table: list[list[int]], **options) -> list[list[CellState]]:
    return [[cell.state for cell in row] for row in suppress(table, **options)]


# Suppression, a pure function.


def test_counts_under_five_are_small_zeros_and_larger_counts_are_shown():
    assert states([[0, 1, 4, 5, 120]], column_totals=False) == [[S, SMALL, SMALL, S, S]]


def test_a_lone_small_cell_in_a_column_takes_the_smallest_other_count_with_it():
    table = [[3], [9], [7], [20]]
    assert states(table) == [[SMALL], [S], [WITHHELD], [S]]


def test_two_small_cells_in_a_column_protect_each_other():
    assert states([[3], [2], [9]]) == [[SMALL], [SMALL], [S]]


def test_the_second_cell_is_a_count_rather_than_a_zero_that_would_give_nothing_away():
    assert states([[3], [0], [6], [8]]) == [[SMALL], [S], [WITHHELD], [S]]


def test_a_zero_is_never_withheld_as_it_would_protect_nothing():
    assert states([[3], [0]]) == [[SMALL], [S]]


def test_a_second_cell_that_still_pins_the_small_one_down_takes_a_third_with_it():
    # Hidden 1 + 5 = 6, and "not shown" is at least 5: the small one could only be 1.
    assert states([[1], [5], [9]]) == [[SMALL], [WITHHELD], [WITHHELD]]


def test_two_small_cells_that_can_only_be_one_each_are_protected_by_a_third():
    assert states([[1], [1], [9]]) == [[SMALL], [SMALL], [WITHHELD]]


def test_a_column_with_a_single_cell_cannot_be_protected_and_is_left_as_it_is():
    assert states([[3]]) == [[SMALL]]


def test_columns_are_protected_one_by_one():
    table = [
        [12, 2, 30],
        [10, 8, 6],
        [15, 9, 1],
    ]
    assert states(table) == [
        [S, SMALL, S],
        [S, WITHHELD, WITHHELD],
        [S, S, SMALL],
    ]


def test_with_row_totals_too_a_withheld_cell_may_need_another_in_its_row():
    # The 2 needs a second cell in its column (the 6) and in its row (the 7); hiding the 6
    # leaves its row with one hidden cell, and so on until every line hides two or none.
    table = [
        [2, 7, 30],
        [6, 9, 40],
        [50, 60, 70],
    ]
    result = states(table, row_totals=True)
    assert result == [
        [SMALL, WITHHELD, S],
        [WITHHELD, WITHHELD, S],
        [S, S, S],
    ]
    assert_no_published_line_gives_a_small_cell_away(table, result, rows=True)


def _possible_values(targets: list[tuple[int, int]], total: int) -> list[set[int]]:
    """Every value each hidden cell can take, by brute force: (low, high) bounds, a sum."""
    seen: list[set[int]] = [set() for _target in targets]

    def walk(index: int, left: int, chosen: list[int]) -> None:
        if index == len(targets):
            if left == 0:
                for position, picked in enumerate(chosen):
                    seen[position].add(picked)
            return
        low, high = targets[index]
        for picked in range(low, min(high, left) + 1):
            walk(index + 1, left - picked, [*chosen, picked])

    walk(0, total, [])
    return seen


def assert_no_published_line_gives_a_small_cell_away(table, result, *, rows: bool) -> None:
    """Someone who knows the rule and the totals still cannot tell any hidden cell's value
    from one line, unless the line had nothing left to withhold."""
    lines = [[(r, c) for r in range(len(table))] for c in range(len(table[0]))]
    if rows:
        lines += [[(r, c) for c in range(len(table[0]))] for r in range(len(table))]
    for line in lines:
        hidden = [(r, c) for r, c in line if result[r][c] != S]
        total = sum(table[r][c] for r, c in hidden)
        bounds = [(1, 4) if result[r][c] == SMALL else (5, total) for r, c in hidden]
        possible = _possible_values(bounds, total)
        exhausted = all(result[r][c] != S or table[r][c] == 0 for r, c in line)
        if not exhausted:
            assert all(len(values) > 1 for values in possible), (table, line)


@pytest.mark.parametrize("row_totals", [False, True])
def test_no_published_line_ever_gives_away_a_small_cell(row_totals):
    generator = random.Random(8)
    for _round in range(300):
        height, width = generator.randint(2, 5), generator.randint(2, 3)
        table = [
            [generator.choice([0, 1, 1, 2, 3, 4, 5, 6, 9]) for _c in range(width)] for _r in range(height)
        ]
        result = states(table, row_totals=row_totals)
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                assert (result[r][c] == SMALL) == (0 < value < 5)
        assert_no_published_line_gives_a_small_cell_away(table, result, rows=row_totals)


def test_the_threshold_is_a_parameter():
    assert states([[9], [12], [30]], threshold=10) == [[SMALL], [WITHHELD], [S]]


def test_suppression_keeps_the_values_for_the_totals():
    cells = suppress([[3], [8]])
    assert [cell.value for row in cells for cell in row] == [3, 8]


def test_negative_or_ragged_tables_are_refused():
    with pytest.raises(ValueError):
        suppress([[-1]])
    with pytest.raises(ValueError):
        suppress([[1, 2], [3]])


def test_an_empty_table_has_nothing_to_suppress():
    assert suppress([]) == []


# The breakdowns, against data built for the test.

NOW = timezone.now()


def _application(
    programme, province: str, section: str, status: str = ApplicationStatus.ENROLLED
) -> Application:
    company = CompanyFactory(
        province=province, ateco_section=section, legal_name=f"Segreta {province} S.r.l."
    )
    return ApplicationFactory(programme=programme, company=company, status=status)


def _assessment(application: Application, manager, status: str) -> Assessment:
    return Assessment.objects.create(
        programme=application.programme,
        application=application,
        manager=manager,
        status=status,
        assigned_at=NOW - datetime.timedelta(days=60),
        answer_due_on=(NOW - datetime.timedelta(days=53)).date(),
        due_on=(NOW + datetime.timedelta(days=10)).date(),
    )


def _project(assessment: Assessment, status: str) -> Project:
    return Project.objects.create(
        programme=assessment.programme,
        assessment=assessment,
        status=status,
        title="Linea connessa",
        facilitator=assessment.manager,
    )


def build(programme, *, scale: int = 1) -> None:
    """Milan: 6 x scale enrolled SMEs, all completed, one project approved and one started,
    one rejected that never counts; two more enrolled SMEs whose assessment was cancelled or
    declined, which never count as completed.
    Bergamo: 7 x scale enrolled, 6 x scale completed. Como: 2 enrolled, 1 completed.
    Pavia: only an ineligible and a withdrawn application, so no row."""
    manager = ManagerFactory(programme=programme, status=ManagerStatus.SELECTED, profile_rows=False)
    for index in range(6 * scale):
        made = _assessment(_application(programme, "MI", "C"), manager, AssessmentStatus.COMPLETED)
        if index == 0:
            _project(made, ProjectStatus.APPROVED)
        elif index == 1:
            _project(made, ProjectStatus.STARTED)
        elif index == 2:
            _project(made, ProjectStatus.REJECTED)
    _assessment(_application(programme, "MI", "C"), manager, AssessmentStatus.CANCELLED)
    _assessment(_application(programme, "MI", "C"), manager, AssessmentStatus.DECLINED)
    for index in range(7 * scale):
        application = _application(programme, "BG", "C" if index else "J")
        if index < 6 * scale:
            _assessment(application, manager, AssessmentStatus.COMPLETED)
    for index in range(2):
        application = _application(programme, "CO", "F")
        _assessment(
            application, manager, AssessmentStatus.COMPLETED if index == 0 else AssessmentStatus.IN_PROGRESS
        )
    _application(programme, "PV", "C", ApplicationStatus.INELIGIBLE)
    _application(programme, "PV", "C", ApplicationStatus.WITHDRAWN)


def table(breakdown) -> dict[str, list[tuple[int, CellState]]]:
    return {row.label: [(cell.value, cell.state) for cell in row.cells] for row in breakdown.rows}


@pytest.mark.django_db
def test_the_province_breakdown_counts_enrolled_completed_and_approved_and_suppresses_small_cells(programme):
    build(programme)
    breakdown = statistics.by_province(programme)

    # Como's lone small counts take Bergamo's (the smallest, then the first of two sixes)
    # with them; Milan's two projects have only zeros beside them, which would protect
    # nothing, and their total is a public figure anyway.
    assert table(breakdown) == {
        "Bergamo": [(7, WITHHELD), (6, WITHHELD), (0, S)],
        "Como": [(2, SMALL), (1, SMALL), (0, S)],
        "Milano": [(8, S), (6, S), (2, SMALL)],
    }
    assert breakdown.totals == [17, 13, 2]
    assert [row.label for row in breakdown.rows] == ["Bergamo", "Como", "Milano"]


@pytest.mark.django_db
def test_the_sector_breakdown_is_by_ateco_section_with_istat_titles(programme):
    build(programme)
    rows = table(statistics.by_sector(programme))

    labels = list(rows)
    assert [label[0] for label in labels] == ["C", "F", "J"]
    assert labels[0].startswith("C - ") and "manifattur" in labels[0].lower()
    # F and J can only be 1 and 1 completed with a total of 13 and C shown: C goes too.
    assert rows[labels[0]] == [(14, S), (11, WITHHELD), (2, SMALL)]
    assert rows[labels[1]] == [(2, SMALL), (1, SMALL), (0, S)]
    assert rows[labels[2]] == [(1, SMALL), (1, SMALL), (0, S)]


@pytest.mark.django_db
def test_cancelled_and_declined_assessments_and_rejected_projects_never_count(programme):
    build(programme)
    milan = table(statistics.by_province(programme))["Milano"]
    assert [value for value, _state in milan] == [8, 6, 2]


@pytest.mark.django_db
def test_another_programmes_data_is_not_counted(programme):
    from tests.factories import ProgrammeFactory

    build(ProgrammeFactory(slug="altro", name="Altro programma", is_current=False))
    assert statistics.by_province(programme).rows == []


@pytest.mark.django_db
def test_the_headline_figures_are_those_of_manage_py_stats(programme):
    build(programme)
    out = io.StringIO()
    call_command("stats", "--json", stdout=out)
    printed = json.loads(out.getvalue())

    figures = statistics.headline(programme)
    assert {figure.key: figure.value for figure in figures} == printed
    assert [figure.key for figure in figures][:2] == ["smes_enrolled", "managers_selected"]
    assert printed["assessments_completed"] == 13
    assert printed["projects_approved"] == 2


# The page.


@pytest.mark.django_db
def test_the_statistics_page_is_public_and_shows_figures_and_suppressed_cells(programme):
    build(programme)
    response = visitor().get(reverse("home:statistics"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Programme statistics" in page
    assert "fewer than 5" in page
    assert "Bergamo" in page and "By sector (ATECO section)" in page
    assert "SMEs enrolled for a free assessment" in page


@pytest.mark.django_db
def test_the_statistics_page_names_no_company_and_no_person(programme):
    build(programme)
    page = visitor().get(reverse("home:statistics")).content.decode()

    assert "Segreta" not in page
    for application in Application.objects.select_related("company"):
        assert application.contact_email not in page
        assert application.company.vat_number not in page
    assert "Pavia" not in page


@pytest.mark.django_db
def test_signed_in_people_of_every_role_see_the_same_page(persona_clients):
    for client in persona_clients.values():
        assert client.get(reverse("home:statistics")).status_code == 200


@pytest.mark.django_db
def test_without_a_programme_the_page_still_answers(db):
    response = visitor().get(reverse("home:statistics"))
    assert response.status_code == 200
    assert "No programme is running at the moment." in response.content.decode()


@pytest.mark.django_db
def test_the_statistics_page_makes_the_same_number_of_queries_whatever_the_size(
    programme, django_assert_num_queries
):
    build(programme)
    client = visitor()
    client.get(reverse("home:statistics"))  # warm any per-process cache (ATECO titles)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("home:statistics"))
    build(programme, scale=4)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("home:statistics"))
    assert len(small.captured_queries) == QUERIES


# The programme (read once, for the view and the page's layout), four for the headline
# figures, one per breakdown.
QUERIES = 7


@pytest.mark.django_db
def test_the_landing_page_shows_the_headline_figures_and_links_the_statistics(programme):
    build(programme)
    page = visitor().get(reverse("home:landing")).content.decode()

    assert "The programme in figures" in page
    assert "Assessments completed" in page
    assert f'href="{reverse("home:statistics")}"' in page
    for figure in statistics.headline(programme):
        assert str(figure.label) in page
