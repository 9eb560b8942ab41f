"""The eligibility checklist as a pure function: each check on its boundaries, the
de minimis ceiling, the weighted score and the reasons in words."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from django.utils import translation

from projects import checklist
from projects.checklist import Check, ProgrammeLimits, ProjectFigures

LIMITS = ProgrammeLimits(
    cost_min=Decimal("20000"),
    cost_max=Decimal("150000"),
    own_share_min_percent=Decimal("30"),
    de_minimis_ceiling=Decimal("300000"),
)
GOOD = ProjectFigures(
    assessment_completed=True,
    company_enrolled=True,
    total_cost=Decimal("100000"),
    financing_requested=Decimal("70000"),
    own_share=Decimal("30000"),
    de_minimis_declared=True,
    de_minimis_received=Decimal("100000"),
)
CRITERIA = [
    {"key": "assessment_fit", "weight": 0.30},
    {"key": "feasibility", "weight": 0.25},
    {"key": "impact", "weight": 0.25},
    {"key": "digital_green", "weight": 0.20},
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def result(figures: ProjectFigures, check: str) -> checklist.CheckResult:
    return next(item for item in checklist.evaluate(figures, LIMITS) if item.check == check)


def test_a_sound_project_passes_every_check_in_a_fixed_order():
    results = checklist.evaluate(GOOD, LIMITS)
    assert [item.check for item in results] == list(checklist.CHECK_ORDER)
    assert checklist.all_passed(results)


def test_the_assessment_must_be_completed():
    assert not result(replace(GOOD, assessment_completed=False), Check.ASSESSMENT_COMPLETED).passed


def test_the_company_must_still_be_enrolled():
    failed = result(replace(GOOD, company_enrolled=False), Check.COMPANY_ENROLLED)
    assert (failed.passed, failed.reason) == (False, "company_not_enrolled")


@pytest.mark.parametrize(
    ("cost", "passed", "reason"),
    [
        ("19999.99", False, "cost_too_low"),
        ("20000.00", True, "cost_ok"),
        ("150000.00", True, "cost_ok"),
        ("150000.01", False, "cost_too_high"),
    ],
)
def test_the_cost_is_within_the_limits_both_included(cost, passed, reason):
    outcome = checklist.check_cost(Decimal(cost), LIMITS)
    assert (outcome.passed, outcome.reason) == (passed, reason)


def test_a_missing_cost_fails_every_check_that_needs_it():
    figures = replace(GOOD, total_cost=None)
    assert result(figures, Check.COST_WITHIN_LIMITS).reason == "cost_missing"
    assert result(figures, Check.SHARES_ADD_UP).reason == "shares_missing"
    assert result(figures, Check.OWN_SHARE_MINIMUM).reason == "shares_missing"


@pytest.mark.parametrize(
    ("requested", "own", "passed"),
    [("70000", "30000", True), ("70000.01", "30000", False), ("69999.99", "30000", False)],
)
def test_requested_and_own_share_add_up_to_the_cost_exactly(requested, own, passed):
    figures = replace(GOOD, financing_requested=Decimal(requested), own_share=Decimal(own))
    assert result(figures, Check.SHARES_ADD_UP).passed is passed


@pytest.mark.parametrize(
    ("own", "passed"),
    [("29999.99", False), ("30000.00", True), ("30000.01", True)],
)
def test_the_own_share_reaches_the_minimum_percentage_at_the_boundary(own, passed):
    figures = replace(GOOD, own_share=Decimal(own), financing_requested=Decimal("100000") - Decimal(own))
    assert result(figures, Check.OWN_SHARE_MINIMUM).passed is passed


def test_the_own_share_minimum_is_exact_for_a_cost_that_does_not_divide_evenly():
    # 30% of 33,333.33 is 9,999.999: 9,999.99 falls short, 10,000.00 reaches it.
    short = checklist.check_own_share(Decimal("33333.33"), Decimal("9999.99"), LIMITS)
    enough = checklist.check_own_share(Decimal("33333.33"), Decimal("10000.00"), LIMITS)
    assert (short.passed, enough.passed) == (False, True)


def test_a_zero_cost_never_passes_the_own_share_check():
    assert not checklist.check_own_share(Decimal("0"), Decimal("0"), LIMITS).passed


@pytest.mark.parametrize(
    ("received", "requested", "passed"),
    [
        ("230000", "70000", True),  # exactly the ceiling
        ("230000.01", "70000", False),
        ("0", "70000", True),
        ("300000", "0.01", False),
    ],
)
def test_de_minimis_received_plus_requested_stays_within_the_ceiling(received, requested, passed):
    outcome = checklist.check_de_minimis(True, Decimal(received), Decimal(requested), LIMITS)
    assert outcome.passed is passed
    assert outcome.reason == ("de_minimis_ok" if passed else "de_minimis_exceeded")


def test_de_minimis_fails_until_the_company_declares():
    assert (
        result(replace(GOOD, de_minimis_declared=False), Check.DE_MINIMIS).reason == "de_minimis_not_declared"
    )
    assert (
        result(replace(GOOD, de_minimis_received=None), Check.DE_MINIMIS).reason == "de_minimis_not_declared"
    )


def test_the_reasons_read_in_words_with_italian_amounts():
    outcome = checklist.check_de_minimis(True, Decimal("230000"), Decimal("70000.5"), LIMITS)
    text = checklist.describe(outcome.reason, outcome.params)
    assert text == (
        "230.000 euros of aid received plus the 70.000,50 euros requested make 300.000,50 euros, "
        "above the de minimis ceiling of 300.000 euros."
    )
    own = checklist.check_own_share(Decimal("100000"), Decimal("25000"), LIMITS)
    assert checklist.describe(own.reason, own.params) == (
        "The company's own share of 25.000 euros is 25% of the cost, below the minimum of 30% (30.000 euros)."
    )


def test_a_stored_result_round_trips_through_its_data():
    outcome = checklist.check_cost(Decimal("10000"), LIMITS)
    data = outcome.as_data()
    assert data == {
        "check": "cost_within_limits",
        "passed": False,
        "reason": "cost_too_low",
        "params": {"cost": "10.000", "minimum": "20.000", "maximum": "150.000"},
    }
    assert "below the smallest" in checklist.describe(data["reason"], data["params"])
    assert checklist.describe("unknown_code", {}) == "unknown_code"


def test_the_weighted_score_follows_the_criteria_weights():
    scores = {"assessment_fit": 10, "feasibility": 8, "impact": 6, "digital_green": 5}
    # (10*0.30 + 8*0.25 + 6*0.25 + 5*0.20) / 1.0 = 7.50
    assert checklist.weighted_score(scores, CRITERIA) == Decimal("7.50")


def test_the_weighted_score_waits_for_every_criterion():
    assert checklist.weighted_score({"assessment_fit": 10}, CRITERIA) is None
    assert checklist.weighted_score({}, []) is None


def test_the_weighted_score_normalises_weights_that_do_not_add_to_one():
    criteria = [{"key": "a", "weight": 2}, {"key": "b", "weight": 1}]
    assert checklist.weighted_score({"a": 9, "b": 0}, criteria) == Decimal("6.00")


def test_judgement_is_complete_only_when_every_check_is_confirmed():
    every = dict.fromkeys(checklist.JUDGEMENT_KEYS, True)
    assert checklist.judgement_complete(every)
    assert not checklist.judgement_complete({**every, "costs_pertinent": False})
    assert not checklist.judgement_complete({})
