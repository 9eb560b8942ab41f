"""What a manager hands in: VAT numbers, the CV by its content, and CSV cells."""

import io

import pytest

from managers import checks
from tests.factories import pdf_bytes


def test_vat_numbers_are_normalised_and_deduplicated():
    valid, invalid = checks.normalise_vat_numbers(
        ["IT 00743110157", "00743110157", "0074311015 7", "12345678901", "abc"]
    )
    assert valid == ["00743110157"]
    assert invalid == ["12345678901", "abc"]


def test_typed_vat_numbers_are_split_on_lines_commas_and_semicolons():
    assert checks.split_vat_numbers(" 00743110157,\n01234567897; \n") == ["00743110157", "01234567897"]


def test_a_real_pdf_passes_and_its_pages_are_counted():
    content = pdf_bytes(pages=2)
    assert checks.check_cv(io.BytesIO(content), len(content)) == 2


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"<!DOCTYPE html><html><body>CV</body></html>", "not_pdf"),
        (b"%PDF-1.7\nthis is not really a pdf\n%%EOF", "unreadable"),
        (b"MZ\x90\x00" + b"\x00" * 100, "not_pdf"),
    ],
    ids=["empty", "html", "damaged", "executable"],
)
def test_a_bad_cv_is_refused_by_its_content(content, code):
    with pytest.raises(checks.BadFile) as refused:
        checks.check_cv(io.BytesIO(content), len(content))
    assert refused.value.code == code


def test_a_cv_over_five_megabytes_is_refused_before_it_is_parsed():
    size = checks.CV_MAX_BYTES + 1
    with pytest.raises(checks.BadFile) as refused:
        checks.check_cv(io.BytesIO(b"%PDF-" + b"0" * (size - 5)), size)
    assert refused.value.code == "too_large"


def test_a_password_protected_pdf_is_refused():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt("segreta")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(checks.BadFile) as refused:
        checks.check_cv(io.BytesIO(buffer.getvalue()), len(buffer.getvalue()))
    assert refused.value.code == "encrypted"
