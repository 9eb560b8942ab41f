"""Exports of the four staff lists: CSV and Excel carry the same filtered rows, every cell a
spreadsheet would run as a formula is neutralised in both, and only staff download them."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from assessments.models import Assessment, AssessmentStatus
from managers.models import ManagerStatus
from programme import exports
from projects.models import Project, ProjectStatus
from smes.models import ApplicationStatus
from tests.factories import ApplicationFactory, CompanyFactory, ManagerFactory

pytestmark = pytest.mark.django_db

FORMULA_COMPANY = '=HYPERLINK("http://example.com","Clicca")'
FORMULA_MANAGER = "=cmd|' /C calc'!A0"

# (CSV url name, XLSX url name, a filter that keeps only the Milan row, the text that row carries,
# the text of the row the filter drops)
LISTS = [
    ("smes:staff_export", "smes:staff_export_xlsx", {"province": "MI"}, "Alfa Meccanica", FORMULA_COMPANY),
    ("managers:pool_export", "managers:pool_export_xlsx", {"text": "Bianchi"}, "Bianchi", FORMULA_MANAGER),
    ("review:export", "review:export_xlsx", {"province": "MI"}, "Alfa Meccanica", FORMULA_COMPANY),
    (
        "proposal:staff_export",
        "proposal:staff_export_xlsx",
        {"province": "MI"},
        "Alfa Meccanica",
        FORMULA_COMPANY,
    ),
]
URL_NAMES = [name for csv_name, xlsx_name, *_rest in LISTS for name in (csv_name, xlsx_name)]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _assessment(application, manager, status: str) -> Assessment:
    now = timezone.now()
    return Assessment.objects.create(
        programme=application.programme,
        application=application,
        manager=manager,
        status=status,
        assigned_at=now - datetime.timedelta(days=40),
        answer_due_on=(now - datetime.timedelta(days=33)).date(),
        accepted_at=now - datetime.timedelta(days=38),
        due_on=(now + datetime.timedelta(days=20)).date(),
        completed_at=now if status == AssessmentStatus.COMPLETED else None,
    )


def _project(assessment: Assessment, title: str) -> Project:
    return Project.objects.create(
        programme=assessment.programme,
        assessment=assessment,
        status=ProjectStatus.SUBMITTED,
        title=title,
        facilitator=assessment.manager,
        total_cost=Decimal("100000.00"),
        financing_requested=Decimal("60000.00"),
        own_share=Decimal("40000.00"),
        submitted_at=timezone.now(),
    )


@pytest.fixture
def listed(programme):
    """One row of each list in Milan, with plain names, and one in Bergamo whose names a
    spreadsheet would run as formulas."""
    milan = ApplicationFactory(
        programme=programme,
        status=ApplicationStatus.ENROLLED,
        company=CompanyFactory(legal_name="Alfa Meccanica S.r.l.", province="MI", municipality="Milano"),
    )
    bergamo = ApplicationFactory(
        programme=programme,
        status=ApplicationStatus.ENROLLED,
        company=CompanyFactory(legal_name=FORMULA_COMPANY, province="BG"),
    )
    bianchi = ManagerFactory(
        programme=programme, status=ManagerStatus.SELECTED, user__last_name="Bianchi", user__first_name="Anna"
    )
    other = ManagerFactory(
        programme=programme,
        status=ManagerStatus.SELECTED,
        user__last_name=FORMULA_MANAGER,
        user__first_name="Ugo",
    )
    completed = _assessment(milan, bianchi, AssessmentStatus.COMPLETED)
    in_progress = _assessment(bergamo, other, AssessmentStatus.IN_PROGRESS)
    _project(completed, "Fabbrica connessa")
    _project(in_progress, "=1+1")


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def workbook(response) -> openpyxl.Workbook:
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    return openpyxl.load_workbook(io.BytesIO(response.content))


def xlsx_rows(response) -> list[list]:
    return [list(row) for row in workbook(response).active.iter_rows(values_only=True)]


def _text(row: list) -> str:
    return " ".join("" if value is None else str(value) for value in row)


@pytest.mark.parametrize(("csv_name", "xlsx_name", "filters", "kept", "dropped"), LISTS)
def test_each_list_exports_the_same_filtered_rows_as_csv_and_xlsx(
    staff_client, listed, csv_name, xlsx_name, filters, kept, dropped
):
    from_csv = csv_rows(staff_client.get(reverse(csv_name), filters))
    from_xlsx = xlsx_rows(staff_client.get(reverse(xlsx_name), filters))

    assert len(from_csv) == len(from_xlsx) == 2  # the header and the one row the filter keeps
    assert from_csv[0] == from_xlsx[0]
    assert kept in _text(from_csv[1]) and kept in _text(from_xlsx[1])
    assert dropped not in _text(from_csv[1]) and dropped not in _text(from_xlsx[1])


@pytest.mark.parametrize(("csv_name", "xlsx_name", "filters", "kept", "dropped"), LISTS)
def test_without_filters_each_export_has_every_row(
    staff_client, listed, csv_name, xlsx_name, filters, kept, dropped
):
    from_csv = csv_rows(staff_client.get(reverse(csv_name)))
    from_xlsx = xlsx_rows(staff_client.get(reverse(xlsx_name)))

    assert len(from_csv) == len(from_xlsx) == 3
    assert any(kept in _text(row) for row in from_xlsx[1:])
    assert any(dropped in _text(row) for row in from_xlsx[1:])


@pytest.mark.parametrize(("csv_name", "xlsx_name", "filters", "kept", "dropped"), LISTS)
def test_formula_cells_are_neutralised_in_both_formats(
    staff_client, listed, csv_name, xlsx_name, filters, kept, dropped
):
    from_csv = csv_rows(staff_client.get(reverse(csv_name)))
    assert any("'" + dropped in row for row in from_csv)
    assert not any(dropped in row for row in from_csv)

    sheet = workbook(staff_client.get(reverse(xlsx_name))).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    dangerous = [cell for cell in cells if cell.value == dropped]
    assert dangerous, "the cell keeps exactly what was typed"
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in dangerous)


@pytest.mark.parametrize("url_name", URL_NAMES)
@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("sme_member", 403), ("manager", 403), ("administrator", 403), ("staff", 200)],
)
def test_only_staff_download_the_exports(persona_clients, url_name, persona, expected):
    response = persona_clients[persona].get(reverse(url_name))
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("account_login"))
    if expected == 200:
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Cache-Control"] == "private, no-store"


def test_the_csv_addresses_are_unchanged_and_the_xlsx_ones_sit_beside_them():
    for csv_name, xlsx_name, *_rest in LISTS:
        csv_path = reverse(csv_name)
        assert csv_path.endswith("/export.csv")
        assert reverse(xlsx_name) == csv_path.removesuffix(".csv") + ".xlsx"


@pytest.mark.parametrize(
    ("list_name", "csv_name", "xlsx_name"),
    [
        ("smes:staff_list", "smes:staff_export", "smes:staff_export_xlsx"),
        ("managers:pool", "managers:pool_export", "managers:pool_export_xlsx"),
        ("review:list", "review:export", "review:export_xlsx"),
        ("proposal:staff_list", "proposal:staff_export", "proposal:staff_export_xlsx"),
    ],
)
def test_each_list_links_both_exports_with_its_filters(staff_client, listed, list_name, csv_name, xlsx_name):
    page = staff_client.get(reverse(list_name), {"province": "MI"}).content.decode()
    assert f'href="{reverse(csv_name)}?province=MI"' in page
    assert f'href="{reverse(xlsx_name)}?province=MI"' in page


def test_the_filename_says_what_and_when_and_the_sheet_is_named_in_the_users_language(
    staff_user, staff_client, listed
):
    staff_user.language = "en"
    staff_user.save(update_fields=["language"])
    today = timezone.localdate().isoformat()
    response = staff_client.get(reverse("smes:staff_export_xlsx"))
    assert response["Content-Disposition"] == f'attachment; filename="candidature-pmi-{today}.xlsx"'
    assert workbook(response).active.title == "SME applications"


# The workbook itself.


def test_xlsx_keeps_numbers_and_dates_as_values_and_text_as_text():
    when = timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 30))
    rows = [
        ["Name", "Employees", "Turnover", "Founded", "Submitted", "Empty", "VAT number"],
        ["Rossi", 35, Decimal("6500000.50"), datetime.date(1987, 5, 1), when, None, "01234567890"],
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(rows, title="Elenco"))).active

    values = [cell.value for cell in sheet[2]]
    assert values[:3] == ["Rossi", 35, 6500000.5]
    assert values[3] == datetime.datetime(1987, 5, 1)
    assert sheet["D2"].is_date and sheet["E2"].is_date
    assert values[4] == timezone.localtime(when).replace(tzinfo=None)
    assert values[5] is None
    # A code with leading zeros stays text, as typed.
    assert values[6] == "01234567890" and sheet["G2"].data_type == "s"


def test_xlsx_has_a_bold_frozen_filterable_header_and_a_sheet_title():
    rows = [["Ragione sociale", "Provincia"], ["Alfa S.r.l.", "MI"], ["Beta S.p.A.", "BG"]]
    sheet = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(rows, title="Candidature"))).active

    assert sheet.title == "Candidature"
    assert all(cell.font.b for cell in sheet[1])
    assert not any(cell.font.b for cell in sheet[2])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B3"


def test_xlsx_columns_are_as_wide_as_their_content_within_bounds():
    rows = [["A", "Note", "B"], ["x", "y" * 500, "una ragione sociale di media lunghezza"]]
    sheet = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(rows))).active

    widths = [sheet.column_dimensions[letter].width for letter in "ABC"]
    assert widths[0] == 8  # never narrower than a date
    assert widths[1] == 60  # a long note does not push the next columns off screen
    assert widths[2] == len("una ragione sociale di media lunghezza") + 2


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x")', "+39 02 123", "-2+3", "@SUM(A1)", "\t=1", "=1+1"])
def test_xlsx_cells_that_a_spreadsheet_would_run_are_text_with_the_quote_prefix(cell):
    sheet = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes([["Nome"], [cell]]))).active
    written = sheet["A2"]
    assert written.value == cell
    assert written.data_type == "s"
    assert written.quotePrefix


def test_xlsx_drops_control_characters_that_would_break_the_file():
    sheet = openpyxl.load_workbook(
        io.BytesIO(exports.xlsx_bytes([["Nome"], ["Rossi\x00\x07 S.r.l."]]))
    ).active
    assert sheet["A2"].value == "Rossi S.r.l."


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Candidature: PMI [2026]", "Candidature PMI 2026"),
        ("a/b\\c?d*e", "a b c d e"),
        ("x" * 40, "x" * 31),
        ("", "Sheet1"),
    ],
)
def test_sheet_titles_are_ones_excel_accepts(title, expected):
    assert exports.sheet_title(title) == expected


def test_an_empty_export_is_still_a_workbook():
    sheet = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes([]))).active
    assert sheet.max_row == 1 and sheet["A1"].value is None


def test_the_xlsx_response_is_a_download_no_cache_keeps():
    response = exports.xlsx_response("elenco-2026.xlsx", [["a"], ["=b"]])
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="elenco-2026.xlsx"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert workbook(response).active.title == "elenco-2026"


def test_download_names_the_file_by_its_format_and_refuses_an_unknown_one():
    assert exports.download(exports.CSV, "elenco", [["a"]])["Content-Disposition"].endswith('elenco.csv"')
    assert exports.download(exports.XLSX, "elenco", [["a"]])["Content-Disposition"].endswith('elenco.xlsx"')
    with pytest.raises(ValueError):
        exports.download("pdf", "elenco", [["a"]])
