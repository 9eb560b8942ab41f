"""The eligibility rules on their boundary values: a pure function, no database."""

import datetime
from decimal import Decimal

import pytest

from smes import eligibility
from smes.eligibility import CompanyFigures, ProgrammeTerms, SizeClass

MILLION = Decimal(1_000_000)
TODAY = datetime.date(2026, 3, 1)
OPEN_TERMS = ProgrammeTerms(admitted_sectors=("C", "J"), opens_on=None, closes_on=None)


def figures(
    employees=30, turnover=Decimal(5) * MILLION, balance=Decimal(4) * MILLION, province="BG", ateco="25.53.00"
):
    return CompanyFigures(employees, turnover, balance, province, ateco)


def result_of(outcome, rule):
    return next(result for result in outcome.results if result.rule == rule)


@pytest.mark.parametrize(
    ("employees", "turnover", "balance", "expected"),
    [
        (249, 50 * MILLION, 43 * MILLION, SizeClass.MEDIUM),
        (250, 10 * MILLION, 10 * MILLION, SizeClass.LARGE),
        (249, 50 * MILLION + 1, 43 * MILLION, SizeClass.MEDIUM),  # balance sheet within: still an SME
        (249, 50 * MILLION, 43 * MILLION + 1, SizeClass.MEDIUM),  # turnover within: still an SME
        (249, 50 * MILLION + 1, 43 * MILLION + 1, SizeClass.LARGE),
        (49, 10 * MILLION, 10 * MILLION, SizeClass.SMALL),
        (50, 10 * MILLION, 10 * MILLION, SizeClass.MEDIUM),
        (49, 10 * MILLION + 1, 10 * MILLION + 1, SizeClass.MEDIUM),
        (9, 2 * MILLION, 2 * MILLION, SizeClass.MICRO),
        (10, 2 * MILLION, 2 * MILLION, SizeClass.SMALL),
        (9, 2 * MILLION + 1, 2 * MILLION, SizeClass.MICRO),
        (9, 2 * MILLION + 1, 2 * MILLION + 1, SizeClass.SMALL),
        (0, Decimal(0), Decimal(0), SizeClass.MICRO),
    ],
)
def test_size_class_follows_the_eu_thresholds_at_their_boundaries(employees, turnover, balance, expected):
    assert eligibility.size_class(employees, turnover, balance) == expected


def test_249_employees_pass_the_sme_rule_and_250_fail_it_whatever_the_figures():
    passing = eligibility.evaluate(figures(employees=249), OPEN_TERMS, TODAY)
    failing = eligibility.evaluate(
        figures(employees=250, turnover=Decimal(1), balance=Decimal(1)), OPEN_TERMS, TODAY
    )
    assert result_of(passing, "sme_size").passed
    assert not result_of(failing, "sme_size").passed
    assert result_of(failing, "sme_size").reason == "too_many_employees"
    assert failing.size_class == SizeClass.LARGE


def test_turnover_over_50_million_with_balance_over_43_million_fails_with_its_reason():
    outcome = eligibility.evaluate(
        figures(employees=200, turnover=Decimal("50000000.01"), balance=Decimal("43000000.01")),
        OPEN_TERMS,
        TODAY,
    )
    result = result_of(outcome, "sme_size")
    assert not result.passed
    assert result.reason == "too_large_financially"
    assert not outcome.eligible
    assert outcome.failed_rules == ["sme_size"]


def test_exactly_50_million_turnover_is_still_an_sme():
    outcome = eligibility.evaluate(
        figures(employees=200, turnover=50 * MILLION, balance=Decimal(60) * MILLION), OPEN_TERMS, TODAY
    )
    assert result_of(outcome, "sme_size").passed


def test_exactly_43_million_balance_sheet_is_still_an_sme():
    outcome = eligibility.evaluate(
        figures(employees=200, turnover=Decimal(80) * MILLION, balance=43 * MILLION), OPEN_TERMS, TODAY
    )
    assert result_of(outcome, "sme_size").passed


@pytest.mark.parametrize("province", ["BG", "BS", "CO", "CR", "LC", "LO", "MN", "MI", "MB", "PV", "SO", "VA"])
def test_each_lombard_province_passes_the_office_rule(province):
    assert result_of(
        eligibility.evaluate(figures(province=province), OPEN_TERMS, TODAY), "registered_office"
    ).passed


@pytest.mark.parametrize("province", ["TO", "PC", "NO", ""])
def test_a_province_outside_lombardy_fails_the_office_rule(province):
    result = result_of(
        eligibility.evaluate(figures(province=province), OPEN_TERMS, TODAY), "registered_office"
    )
    assert not result.passed
    assert result.reason == "province_outside"


@pytest.mark.parametrize(
    ("ateco", "admitted", "passed", "reason"),
    [
        ("25.53.00", ("C",), True, "sector_ok"),
        ("25.53.00", ("25",), True, "sector_ok"),  # a division admitted on its own
        ("25.53.00", ("28",), False, "sector_not_admitted"),
        ("01.11.00", ("C", "J"), False, "sector_not_admitted"),
        ("01.11.00", (), True, "sector_all_admitted"),
        ("99.99.99", ("C",), False, "sector_unknown_code"),
    ],
)
def test_the_sector_rule_reads_the_admitted_sections_and_divisions(ateco, admitted, passed, reason):
    terms = ProgrammeTerms(admitted_sectors=admitted, opens_on=None, closes_on=None)
    result = result_of(eligibility.evaluate(figures(ateco=ateco), terms, TODAY), "sector")
    assert (result.passed, result.reason) == (passed, reason)


@pytest.mark.parametrize(
    ("today", "passed", "reason"),
    [
        (datetime.date(2026, 1, 14), False, "window_not_open_yet"),
        (datetime.date(2026, 1, 15), True, "window_ok"),
        (datetime.date(2026, 12, 31), True, "window_ok"),
        (datetime.date(2027, 1, 1), False, "window_closed"),
    ],
)
def test_the_window_rule_counts_its_first_and_last_day(today, passed, reason):
    terms = ProgrammeTerms(("C",), datetime.date(2026, 1, 15), datetime.date(2026, 12, 31))
    result = result_of(eligibility.evaluate(figures(), terms, today), "window")
    assert (result.passed, result.reason) == (passed, reason)


def test_every_rule_is_reported_in_a_fixed_order_with_a_readable_reason():
    outcome = eligibility.evaluate(figures(), OPEN_TERMS, TODAY)
    assert [result.rule for result in outcome.results] == list(eligibility.RULE_ORDER)
    assert outcome.eligible
    for result in outcome.results:
        text = eligibility.describe(result.reason, result.params)
        assert "%(" not in text and text


def test_reasons_are_rendered_in_the_readers_language():
    from django.utils import translation

    result = result_of(eligibility.evaluate(figures(employees=300), OPEN_TERMS, TODAY), "sme_size")
    with translation.override("en"):
        assert "300 employees" in eligibility.describe(result.reason, result.params)
