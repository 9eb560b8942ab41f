"""Checks on what a manager hands in: VAT numbers and the CV file.

No ORM here: plain values and file objects in, plain values or ValueError out."""

from __future__ import annotations

import logging
import re
from typing import IO

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.it import iva

logger = logging.getLogger(__name__)

CV_MAX_BYTES = 5 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
_SEPARATORS = re.compile(r"[\s,;]+")


class BadFile(ValueError):
    """A file refused, with the reason as a short code the form turns into a message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def split_vat_numbers(text: str) -> list[str]:
    """Split what a person typed (one a line, or separated by commas) into raw entries."""
    return [part for part in _SEPARATORS.split(text.strip()) if part]


def normalise_vat_numbers(entries: list[str]) -> tuple[list[str], list[str]]:
    """Normalise Italian VAT numbers (partita IVA) with python-stdnum.

    Returns (valid numbers in compact form without duplicates, in the given order;
    the entries that are not valid, as typed). An "IT" prefix and spaces or dots are accepted."""
    valid: list[str] = []
    invalid: list[str] = []
    for entry in entries:
        candidate = entry.strip().upper()
        if candidate.startswith("IT"):
            candidate = candidate[2:]
        try:
            number = iva.validate(candidate)
        except StdnumValidationError:
            invalid.append(entry)
            continue
        if number not in valid:
            valid.append(number)
    return valid, invalid


def check_cv(file: IO[bytes], size: int) -> int:
    """Refuse a CV that is empty, larger than 5 MB, not a PDF by its content, or a PDF
    that cannot be read (damaged or password-protected). Returns its number of pages.

    The name and the declared content type are not trusted: only the bytes are."""
    if size == 0:
        raise BadFile("empty")
    if size > CV_MAX_BYTES:
        raise BadFile("too_large")
    file.seek(0)
    if file.read(len(PDF_MAGIC)) != PDF_MAGIC:
        raise BadFile("not_pdf")
    file.seek(0)
    try:
        reader = PdfReader(file, strict=False)
        if reader.is_encrypted:
            raise BadFile("encrypted")
        pages = len(reader.pages)
    except BadFile:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
        # A damaged PDF makes pypdf raise many kinds of errors; any of them means unreadable.
        logger.info("CV refused: pypdf could not read it", exc_info=True)
        raise BadFile("unreadable") from None
    finally:
        file.seek(0)
    if pages == 0:
        raise BadFile("unreadable")
    return pages
