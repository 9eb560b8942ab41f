"""Each export of the portal, CSV and Excel, with a cell starting with each character a
spreadsheet reads as the start of a formula (=, +, -, @, and a tab or carriage return
before them): the cell is neutralised in both formats, through the real download views.
The exports are found from the URL configuration, so a new one fails until it is listed."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from managers.models import ManagerStatus
from programme import exports
from projects.models import ProjectStatus
from smes.models import Application, ApplicationStatus, Company
from tests.factories import ManagerFactory
from tests.projects.financing_fixtures import make_project

pytestmark = pytest.mark.django_db

# Each export (CSV and XLSX address names) and where the dangerous text sits in its rows.
EXPORTS = {
    "smes:staff_export": "company",
    "smes:staff_export_xlsx": "company",
    "managers:pool_export": "manager",
    "managers:pool_export_xlsx": "manager",
    "review:export": "company",
    "review:export_xlsx": "company",
    "proposal:staff_export": "project",
    "proposal:staff_export_xlsx": "project",
}
PREFIXES = ["=", "+", "-", "@", "\t", "\r", "\t=", "\r+"]
MARK = 'Formula9 HYPERLINK("http://esempio.it")'


def _names(resolver: URLResolver, namespace: str = "") -> list[str]:
    found = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found.extend(_names(pattern, inner))
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append(f"{namespace}{pattern.name}")
    return found


def test_every_export_address_is_listed():
    exported = {name for name in _names(get_resolver()) if "export" in name and not name.startswith("admin:")}
    assert exported == set(EXPORTS)


@pytest.fixture
def dangerous_rows(programme, request):
    """One row in each list whose visible text starts with the prefix."""
    prefix = request.param
    text = prefix + MARK
    manager = ManagerFactory(programme=programme, status=ManagerStatus.SELECTED, user__last_name=text)
    project = make_project(programme, manager=manager, status=ProjectStatus.SUBMITTED, title=text)
    Company.objects.filter(pk=project.assessment.application.company_id).update(legal_name=text)
    Application.objects.filter(pk=project.assessment.application_id).update(status=ApplicationStatus.ENROLLED)
    return text


def _csv_cells(response) -> list[str]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(body, newline=""), delimiter=";") for cell in row]


def _xlsx_cells(response) -> list:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [cell for row in book.active.iter_rows() for cell in row]


@pytest.mark.parametrize("dangerous_rows", PREFIXES, indirect=True, ids=repr)
@pytest.mark.parametrize("url_name", sorted(EXPORTS))
def test_a_cell_that_would_run_as_a_formula_is_neutralised(staff_client, dangerous_rows, url_name):
    with translation.override("en"):
        response = staff_client.get(reverse(url_name))
    assert response.status_code == 200
    if url_name.endswith("_xlsx"):
        cells = _xlsx_cells(response)
        assert [cell for cell in cells if isinstance(cell.value, str) and MARK in cell.value], (
            "the row is there"
        )
        assert not [cell.coordinate for cell in cells if cell.data_type == "f"], "no formula at all"
        # Reading the file back turns a carriage return into a line feed (XML's rule), as a
        # spreadsheet opening it does: such a cell counts as one the prefix started.
        risky = [
            cell
            for cell in cells
            if isinstance(cell.value, str) and cell.value.startswith((*exports.FORMULA_STARTS, "\n"))
        ]
        assert risky, "the dangerous text starts a cell"
        for cell in risky:
            assert cell.data_type == "s" and cell.quotePrefix, (url_name, cell.value)
    else:
        cells = _csv_cells(response)
        assert [cell for cell in cells if "'" + dangerous_rows in cell], "the row is there, neutralised"
        assert not [cell for cell in cells if cell.startswith(exports.FORMULA_STARTS)], url_name


@pytest.mark.parametrize("prefix", PREFIXES, ids=repr)
def test_the_neutralising_rule_covers_every_formula_start(prefix):
    assert exports.neutralise(prefix + "1") == "'" + prefix + "1"
    assert prefix[0] in exports.FORMULA_STARTS
