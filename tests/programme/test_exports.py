"""CSV exports: every cell a spreadsheet would run as a formula is neutralised."""

import pytest

from programme.exports import csv_lines, csv_response, neutralise


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+39 02 123", "'+39 02 123"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Rossi", "Rossi"),
        (3, "3"),
        (None, ""),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(cell, expected):
    assert neutralise(cell) == expected


def test_csv_lines_neutralise_every_cell_and_start_with_a_byte_order_mark():
    lines = list(csv_lines([["Nome"], ["=1+1"], ["Rossi"]]))
    assert lines[0] == "\ufeff"
    assert [line.strip() for line in lines[1:]] == ["Nome", "'=1+1", "Rossi"]


def test_the_csv_response_is_a_download_no_cache_keeps():
    response = csv_response("elenco.csv", [["a"], ["=b"]])
    assert response["Content-Disposition"] == 'attachment; filename="elenco.csv"'
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).decode() == "\ufeffa\r\n'=b\r\n"
