"""Who may take part: the programme's eligibility rules, as a pure function.

Plain values in, plain values out, no ORM: the service passes the company's figures
and the programme's settings, and stores what comes back. Each rule says whether it
passed and why, with a reason code and its parameters, so the reason is rendered in
the reader's language when shown (see `describe`), not frozen in the submitter's.

The EU SME definition (Recommendation 2003/361/EC): fewer than 250 employees and
either an annual turnover up to 50 million euros or a balance-sheet total up to
43 million. Small: fewer than 50 and 10 / 10 million; micro: fewer than 10 and
2 / 2 million. Linked and partner enterprises are not known to the portal: the
applicant declares them (the SME declaration in the application).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy

from programme.reference import Province, activity, is_admitted_sector


class SizeClass:
    """EU size classes; LARGE means the company is not an SME."""

    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


SIZE_CLASS_LABELS = {
    SizeClass.MICRO: gettext_lazy("Micro enterprise"),
    SizeClass.SMALL: gettext_lazy("Small enterprise"),
    SizeClass.MEDIUM: gettext_lazy("Medium enterprise"),
    SizeClass.LARGE: gettext_lazy("Large enterprise"),
}

MILLION = Decimal(1_000_000)

# (size class, employees strictly below, turnover ceiling, balance-sheet ceiling), smallest first.
SIZE_THRESHOLDS: tuple[tuple[str, int, Decimal, Decimal], ...] = (
    (SizeClass.MICRO, 10, 2 * MILLION, 2 * MILLION),
    (SizeClass.SMALL, 50, 10 * MILLION, 10 * MILLION),
    (SizeClass.MEDIUM, 250, 50 * MILLION, 43 * MILLION),
)


class Rule:
    SME_SIZE = "sme_size"
    REGISTERED_OFFICE = "registered_office"
    SECTOR = "sector"
    WINDOW = "window"


RULE_ORDER = (Rule.SME_SIZE, Rule.REGISTERED_OFFICE, Rule.SECTOR, Rule.WINDOW)

RULE_LABELS = {
    Rule.SME_SIZE: gettext_lazy("Small or medium enterprise (EU definition)"),
    Rule.REGISTERED_OFFICE: gettext_lazy("Registered office in Lombardy"),
    Rule.SECTOR: gettext_lazy("Activity in an admitted sector"),
    Rule.WINDOW: gettext_lazy("Applied while applications were open"),
}

# Reason codes and their sentences; parameters are filled in when shown.
REASONS = {
    "size_ok": gettext_lazy(
        "%(employees)s employees, turnover %(turnover)s euros, balance-sheet total %(balance)s euros: %(size)s."
    ),
    "too_many_employees": gettext_lazy(
        "%(employees)s employees: an SME has fewer than 250 (the turnover and balance sheet do not change that)."
    ),
    "too_large_financially": gettext_lazy(
        "Turnover %(turnover)s euros is above 50 million and balance-sheet total %(balance)s euros "
        "is above 43 million: an SME stays within at least one of the two."
    ),
    "province_ok": gettext_lazy("The registered office is in the province of %(province)s, in Lombardy."),
    "province_outside": gettext_lazy(
        "The registered office (province code %(province)s) is outside Lombardy."
    ),
    "sector_ok": gettext_lazy(
        "ATECO %(code)s (section %(section)s) is among the sectors the programme admits."
    ),
    "sector_all_admitted": gettext_lazy(
        "ATECO %(code)s (section %(section)s): the programme admits every sector."
    ),
    "sector_not_admitted": gettext_lazy(
        "ATECO %(code)s (section %(section)s) is not among the sectors the programme admits."
    ),
    "sector_unknown_code": gettext_lazy("%(code)s is not an ATECO code in ISTAT's classification."),
    "window_ok": gettext_lazy("Applied on %(today)s, while applications were open."),
    "window_not_open_yet": gettext_lazy("Applied on %(today)s, before applications opened on %(opens)s."),
    "window_closed": gettext_lazy("Applied on %(today)s, after applications closed on %(closes)s."),
}


@dataclass(frozen=True)
class CompanyFigures:
    employees: int
    turnover: Decimal
    balance_sheet_total: Decimal
    province: str
    ateco_code: str


@dataclass(frozen=True)
class ProgrammeTerms:
    admitted_sectors: Sequence[str]
    opens_on: datetime.date | None
    closes_on: datetime.date | None


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    reason: str
    params: dict[str, str] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Outcome:
    results: tuple[RuleResult, ...]
    size_class: str

    @property
    def eligible(self) -> bool:
        return all(result.passed for result in self.results)

    @property
    def failed_rules(self) -> list[str]:
        return [result.rule for result in self.results if not result.passed]


def size_class(employees: int, turnover: Decimal, balance_sheet_total: Decimal) -> str:
    """The EU size class: the smallest whose headcount ceiling and either financial ceiling hold."""
    for name, employees_below, turnover_ceiling, balance_ceiling in SIZE_THRESHOLDS:
        if employees < employees_below and (
            turnover <= turnover_ceiling or balance_sheet_total <= balance_ceiling
        ):
            return name
    return SizeClass.LARGE


def _money(amount: Decimal) -> str:
    return f"{amount:,.0f}".replace(",", ".")


def check_size(figures: CompanyFigures) -> tuple[RuleResult, str]:
    found = size_class(figures.employees, figures.turnover, figures.balance_sheet_total)
    params = {
        "employees": str(figures.employees),
        "turnover": _money(figures.turnover),
        "balance": _money(figures.balance_sheet_total),
        "size": found,
    }
    if found != SizeClass.LARGE:
        return RuleResult(Rule.SME_SIZE, True, "size_ok", params), found
    reason = "too_many_employees" if figures.employees >= 250 else "too_large_financially"
    return RuleResult(Rule.SME_SIZE, False, reason, params), found


def check_registered_office(province: str) -> RuleResult:
    if province in Province.values:
        return RuleResult(Rule.REGISTERED_OFFICE, True, "province_ok", {"province": Province(province).label})
    return RuleResult(Rule.REGISTERED_OFFICE, False, "province_outside", {"province": province or "-"})


def check_sector(ateco_code: str, admitted_sectors: Sequence[str]) -> RuleResult:
    found = activity(ateco_code or "")
    if found is None:
        return RuleResult(Rule.SECTOR, False, "sector_unknown_code", {"code": ateco_code or "-"})
    params = {"code": found.code, "section": found.section}
    if not admitted_sectors:
        return RuleResult(Rule.SECTOR, True, "sector_all_admitted", params)
    if is_admitted_sector(found.code, list(admitted_sectors)):
        return RuleResult(Rule.SECTOR, True, "sector_ok", params)
    return RuleResult(Rule.SECTOR, False, "sector_not_admitted", params)


def check_window(
    opens_on: datetime.date | None, closes_on: datetime.date | None, today: datetime.date
) -> RuleResult:
    params = {"today": today.isoformat()}
    if opens_on is not None and today < opens_on:
        return RuleResult(
            Rule.WINDOW, False, "window_not_open_yet", {**params, "opens": opens_on.isoformat()}
        )
    if closes_on is not None and today > closes_on:
        return RuleResult(Rule.WINDOW, False, "window_closed", {**params, "closes": closes_on.isoformat()})
    return RuleResult(Rule.WINDOW, True, "window_ok", params)


def evaluate(figures: CompanyFigures, terms: ProgrammeTerms, today: datetime.date) -> Outcome:
    """Every rule on one company, in a fixed order, with the company's EU size class."""
    size_result, found_size = check_size(figures)
    results = (
        size_result,
        check_registered_office(figures.province),
        check_sector(figures.ateco_code, terms.admitted_sectors),
        check_window(terms.opens_on, terms.closes_on, today),
    )
    return Outcome(results=results, size_class=found_size)


def describe(reason: str, params: dict[str, str]) -> str:
    """The reason in the active language, from its stored code and parameters."""
    template = REASONS.get(reason)
    if template is None:
        return reason
    shown = dict(params)
    if "size" in shown:
        shown["size"] = str(SIZE_CLASS_LABELS.get(shown["size"], shown["size"])).lower()
    try:
        return str(template) % shown
    except (KeyError, ValueError, TypeError):
        return str(template)
