"""VAT numbers, tax codes and municipalities, checked offline."""

import pytest

from smes import identifiers


def test_a_valid_vat_number_is_kept_in_its_11_digits():
    assert identifiers.clean_vat_number("IT 0123456 0157") == "01234560157"


@pytest.mark.parametrize(
    ("value", "code"),
    [("0123456015", "vat_format"), ("ABCDEFGHIJK", "vat_format"), ("01234560158", "vat_check_digit")],
)
def test_a_bad_vat_number_says_what_is_wrong(value, code):
    with pytest.raises(identifiers.InvalidIdentifier) as error:
        identifiers.clean_vat_number(value)
    assert error.value.code == code


def test_company_tax_codes_take_11_digits_or_a_sole_traders_16_characters():
    assert identifiers.clean_company_tax_code("01234560157") == "01234560157"
    assert identifiers.clean_company_tax_code("rssmra80a01f205x") == "RSSMRA80A01F205X"
    with pytest.raises(identifiers.InvalidIdentifier):
        identifiers.clean_company_tax_code("RSSMRA80A01F205Y")


def test_a_personal_tax_code_needs_16_characters():
    with pytest.raises(identifiers.InvalidIdentifier) as error:
        identifiers.clean_personal_tax_code("01234560157")
    assert error.value.code == "personal_tax_code_format"


def test_lombardy_has_about_1500_municipalities_in_twelve_provinces():
    municipalities = identifiers.lombard_municipalities()
    assert 1490 <= len(municipalities) <= 1510
    assert {municipality.province for municipality in municipalities} == {
        "BG",
        "BS",
        "CO",
        "CR",
        "LC",
        "LO",
        "MN",
        "MI",
        "MB",
        "PV",
        "SO",
        "VA",
    }


@pytest.mark.parametrize(
    ("typed", "province", "name"),
    [
        ("Milano", "MI", "Milano"),
        ("cantu", "CO", "Cantù"),
        ("SESTO SAN GIOVANNI", "MI", "Sesto San Giovanni"),
        ("Monza", "MB", "Monza"),
    ],
)
def test_municipalities_are_found_whatever_the_accents_and_case(typed, province, name):
    assert identifiers.find_municipality(typed, province).name == name


def test_a_municipality_in_another_province_is_not_found_there():
    assert identifiers.find_municipality("Bergamo", "BS") is None
    assert identifiers.municipality_provinces("Bergamo") == ("BG",)
    assert identifiers.find_municipality("Torino", "MI") is None
