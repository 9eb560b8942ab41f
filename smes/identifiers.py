"""Italian identifiers and places, checked offline: plain values in and out, no ORM.

VAT numbers (partita IVA) and tax codes (codice fiscale) are checked by their check
digits with python-stdnum. Municipalities come from ISTAT's list as shipped inside
python-codicefiscale (its `data/municipalities.json`, read from the installed package,
never from the network), each with the car-plate code of its province.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from codicefiscale.data import get_municipalities_data
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.it import codicefiscale, iva

from programme.reference import Province


class InvalidIdentifier(ValueError):
    """A value that fails its format or check digit; `code` says which problem."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def clean_vat_number(value: str) -> str:
    """The 11 digits of a valid Italian VAT number (an "IT" prefix and spaces are dropped)."""
    compact = iva.compact(value or "")
    if not compact.isdigit() or len(compact) != 11:
        raise InvalidIdentifier("vat_format")
    try:
        return iva.validate(compact)
    except StdnumError as error:
        raise InvalidIdentifier("vat_check_digit") from error


def clean_company_tax_code(value: str) -> str:
    """A company's tax code: 11 digits (as a VAT number) or, for a sole trader, the owner's 16 characters."""
    compact = codicefiscale.compact(value or "")
    if len(compact) not in (11, 16):
        raise InvalidIdentifier("tax_code_format")
    try:
        return codicefiscale.validate(compact)
    except StdnumError as error:
        raise InvalidIdentifier("tax_code_check_digit") from error


def clean_personal_tax_code(value: str) -> str:
    """A person's 16-character tax code."""
    compact = codicefiscale.compact(value or "")
    if len(compact) != 16:
        raise InvalidIdentifier("personal_tax_code_format")
    try:
        return codicefiscale.validate(compact)
    except StdnumError as error:
        raise InvalidIdentifier("personal_tax_code_check_digit") from error


@dataclass(frozen=True)
class Municipality:
    code: str  # the cadastral (Belfiore) code, e.g. F205 for Milano
    name: str
    province: str


def _key(name: str) -> str:
    """Compare names without accents, apostrophes, case or spacing: "Cantù" = "cantu'" = "CANTU"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", plain.lower())


@cache
def lombard_municipalities() -> tuple[Municipality, ...]:
    """The municipalities in Lombardy today, by name."""
    lombard = set(Province.values)
    found = {
        item["code"]: Municipality(code=item["code"], name=item["name"], province=item["province"])
        for item in get_municipalities_data()
        if item.get("active") and item.get("province") in lombard
    }
    return tuple(sorted(found.values(), key=lambda municipality: (municipality.name, municipality.province)))


@cache
def _by_key() -> dict[str, tuple[Municipality, ...]]:
    index: dict[str, list[Municipality]] = {}
    for municipality in lombard_municipalities():
        index.setdefault(_key(municipality.name), []).append(municipality)
    return {key: tuple(found) for key, found in index.items()}


def find_municipality(name: str, province: str) -> Municipality | None:
    """The Lombard municipality of that name in that province, or None."""
    return next(
        (found for found in _by_key().get(_key(name or ""), ()) if found.province == province),
        None,
    )


def municipality_provinces(name: str) -> tuple[str, ...]:
    """The Lombard provinces that have a municipality of that name (usually one, or none)."""
    return tuple(found.province for found in _by_key().get(_key(name or ""), ()))


def municipality_by_code(code: str) -> Municipality | None:
    return next((found for found in lombard_municipalities() if found.code == code), None)
