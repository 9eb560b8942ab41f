"""CSV and Excel (XLSX) exports that a spreadsheet opens safely, for every list page of the portal.

A cell that starts with =, +, -, @ (or a tab or carriage return, which some
spreadsheets skip before looking for those) is run as a formula when the file is
opened, and applicants and managers type their own names, towns and notes. In CSV such
cells get a leading apostrophe, which spreadsheets show as text; in XLSX they are
stored as text with Excel's quote prefix (see `_xlsx_cell`).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """The cell as text, with a leading apostrophe if it could be taken for a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write returns the line, for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Lines of CSV, semicolon-separated as Italian spreadsheets expect, with a UTF-8 mark
    first so accented names open correctly."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff"
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])


def csv_response(filename: str, rows: Iterable[Iterable[Any]]) -> StreamingHttpResponse:
    """A streamed CSV download that no cache keeps (exports carry personal data)."""
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel refuses a sheet title over 31 characters or with any of these.
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_TITLE_LENGTH = 31
# Excel's limit on the characters of one cell; a longer text makes it call the file damaged.
_CELL_LENGTH = 32_767
_MIN_COLUMN_WIDTH = 8
_MAX_COLUMN_WIDTH = 60


def _xlsx_value(value: Any) -> Any:
    """A value openpyxl writes as a plain cell: numbers and dates stay numbers and dates
    (so a spreadsheet sorts and sums them), everything else becomes text."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    if isinstance(value, datetime.datetime):
        # Spreadsheets have no time zones: show the time as people here read it.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, datetime.date):
        return value
    # Control characters make the file unreadable; user text may carry them from a paste.
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:_CELL_LENGTH]


def _xlsx_cell(sheet: Any, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    """One cell. A text is always stored as text, never as a formula: openpyxl would write
    "=..." as a formula, so the type is forced back to text, and a text that looks like a
    formula gets Excel's quote prefix (the XLSX form of the CSV's leading apostrophe), so it
    stays text even when someone edits the cell, and shows exactly what was typed."""
    plain = _xlsx_value(value)
    cell = WriteOnlyCell(sheet, value=plain)
    if isinstance(plain, str):
        cell.data_type = "s"
        if plain.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    if isinstance(plain, datetime.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(plain, datetime.date):
        cell.number_format = "yyyy-mm-dd"
    if bold:
        cell.font = Font(bold=True)
    return cell


def _display_width(value: Any) -> int:
    plain = _xlsx_value(value)
    if plain is None:
        return 0
    if isinstance(plain, datetime.datetime):
        return 16
    if isinstance(plain, datetime.date):
        return 10
    return max((len(line) for line in str(plain).splitlines()), default=0)


def sheet_title(title: str) -> str:
    """A title Excel accepts for a sheet."""
    cleaned = " ".join(_SHEET_TITLE_FORBIDDEN.sub(" ", str(title)).split()).strip("'")
    return cleaned[:_SHEET_TITLE_LENGTH] or "Sheet1"


def xlsx_bytes(rows: Iterable[Iterable[Any]], *, title: str = "") -> bytes:
    """An Excel workbook of one sheet: the first row a bold header, frozen and filterable,
    columns as wide as their content (within bounds), every cell a plain value."""
    table = [list(row) for row in rows]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(title))
    width = max((len(row) for row in table), default=0)
    for index in range(width):
        longest = max((_display_width(row[index]) for row in table if index < len(row)), default=0)
        letter = get_column_letter(index + 1)
        sheet.column_dimensions[letter].width = min(max(longest + 2, _MIN_COLUMN_WIDTH), _MAX_COLUMN_WIDTH)
    if table:
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(max(width, 1))}{len(table)}"
    for number, row in enumerate(table):
        sheet.append([_xlsx_cell(sheet, value, bold=number == 0) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, rows: Iterable[Iterable[Any]], *, title: str = "") -> HttpResponse:
    """An Excel download that no cache keeps (exports carry personal data). The sheet is
    named `title`, or after the file when no title is given."""
    content = xlsx_bytes(rows, title=title or filename.rsplit(".", 1)[0])
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)


def download(
    file_format: str, stem: str, rows: Iterable[Iterable[Any]], *, title: str = ""
) -> HttpResponse | StreamingHttpResponse:
    """The same rows as a CSV or an Excel file named `stem`.csv or `stem`.xlsx, so a list's
    two exports always carry the same filters and columns."""
    if file_format == XLSX:
        return xlsx_response(f"{stem}.xlsx", rows, title=title)
    if file_format == CSV:
        return csv_response(f"{stem}.csv", rows)
    raise ValueError(f"unknown export format {file_format!r}")
