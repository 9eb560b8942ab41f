"""The eligibility checklist of a development project, as a pure function.

Plain values in, plain values out, no ORM: the service passes the project's figures
and the programme's limits and stores what comes back. Each check says whether it
passed and why, with a reason code and its parameters, so the sentence is rendered
in the reader's language when shown (`describe`), not frozen in the writer's.

The checks the portal can compute: the assessment is completed, the cost is within
the programme's limits, the requested financing and the company's own share add up
to the cost with the own share at least the programme's minimum, the de minimis
ceiling holds (aid received in the current and two previous fiscal years plus this
grant), the company is still enrolled. The checks that need judgement are ticked by
staff (`JUDGEMENT_CHECKS`), and the programme's criteria give a weighted score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy

HUNDRED = Decimal("100")
CENT = Decimal("0.01")
SCORE_MIN = 0
SCORE_MAX = 10


class Check:
    ASSESSMENT_COMPLETED = "assessment_completed"
    COST_WITHIN_LIMITS = "cost_within_limits"
    SHARES_ADD_UP = "shares_add_up"
    OWN_SHARE_MINIMUM = "own_share_minimum"
    DE_MINIMIS = "de_minimis"
    COMPANY_ENROLLED = "company_enrolled"


CHECK_ORDER = (
    Check.ASSESSMENT_COMPLETED,
    Check.COST_WITHIN_LIMITS,
    Check.SHARES_ADD_UP,
    Check.OWN_SHARE_MINIMUM,
    Check.DE_MINIMIS,
    Check.COMPANY_ENROLLED,
)

CHECK_LABELS = {
    Check.ASSESSMENT_COMPLETED: gettext_lazy("The assessment is completed"),
    Check.COST_WITHIN_LIMITS: gettext_lazy("The cost is within the programme's limits"),
    Check.SHARES_ADD_UP: gettext_lazy("Financing requested and own share add up to the cost"),
    Check.OWN_SHARE_MINIMUM: gettext_lazy("The company's own share reaches the programme's minimum"),
    Check.DE_MINIMIS: gettext_lazy("The de minimis ceiling holds"),
    Check.COMPANY_ENROLLED: gettext_lazy("The company is still enrolled in the programme"),
}

# Reason codes and their sentences; the parameters are filled in when shown.
REASONS = {
    "assessment_completed": gettext_lazy("The assessment the project comes from is completed."),
    "assessment_not_completed": gettext_lazy(
        "The assessment the project comes from is not completed: a project needs a completed assessment."
    ),
    "cost_missing": gettext_lazy("The total cost is not given yet."),
    "cost_ok": gettext_lazy("A cost of %(cost)s euros is between %(minimum)s and %(maximum)s euros."),
    "cost_too_low": gettext_lazy(
        "A cost of %(cost)s euros is below the smallest the programme finances, %(minimum)s euros."
    ),
    "cost_too_high": gettext_lazy(
        "A cost of %(cost)s euros is above the largest the programme finances, %(maximum)s euros."
    ),
    "shares_missing": gettext_lazy("The financing requested or the company's own share is not given yet."),
    "shares_ok": gettext_lazy(
        "%(requested)s euros requested plus %(own)s euros of the company's own make the cost of %(cost)s euros."
    ),
    "shares_differ": gettext_lazy(
        "%(requested)s euros requested plus %(own)s euros of the company's own make %(sum)s euros, "
        "not the cost of %(cost)s euros."
    ),
    "own_share_ok": gettext_lazy(
        "The company's own share of %(own)s euros is %(percent)s%% of the cost; the minimum is %(minimum)s%%."
    ),
    "own_share_too_low": gettext_lazy(
        "The company's own share of %(own)s euros is %(percent)s%% of the cost, below the minimum of "
        "%(minimum)s%% (%(needed)s euros)."
    ),
    "de_minimis_not_declared": gettext_lazy("The company has not made the de minimis declaration yet."),
    "de_minimis_ok": gettext_lazy(
        "%(received)s euros of aid received plus the %(requested)s euros requested make %(total)s euros, "
        "within the de minimis ceiling of %(ceiling)s euros."
    ),
    "de_minimis_exceeded": gettext_lazy(
        "%(received)s euros of aid received plus the %(requested)s euros requested make %(total)s euros, "
        "above the de minimis ceiling of %(ceiling)s euros."
    ),
    "company_enrolled": gettext_lazy("The company is enrolled in the programme."),
    "company_not_enrolled": gettext_lazy("The company is no longer enrolled in the programme."),
}

# What only staff can judge; each must hold for a project to be declared eligible.
JUDGEMENT_CHECKS: tuple[tuple[str, Any], ...] = (
    ("costs_pertinent", gettext_lazy("The costs are pertinent to the project's objectives")),
    ("milestones_credible", gettext_lazy("The milestones and their dates are credible")),
    ("recommendations_taken_up", gettext_lazy("The project takes up the assessment's recommendations")),
    ("no_double_funding", gettext_lazy("The same costs are not financed by other public funds")),
)
JUDGEMENT_KEYS = tuple(key for key, _label in JUDGEMENT_CHECKS)


@dataclass(frozen=True)
class ProjectFigures:
    """What the project and its company declare; None where not given yet."""

    assessment_completed: bool
    company_enrolled: bool
    total_cost: Decimal | None
    financing_requested: Decimal | None
    own_share: Decimal | None
    de_minimis_declared: bool
    de_minimis_received: Decimal | None


@dataclass(frozen=True)
class ProgrammeLimits:
    cost_min: Decimal
    cost_max: Decimal
    own_share_min_percent: Decimal
    de_minimis_ceiling: Decimal


@dataclass(frozen=True)
class CheckResult:
    check: str
    passed: bool
    reason: str
    params: dict[str, str] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        return asdict(self)


def money(amount: Decimal) -> str:
    """Euros the Italian way, with dots for thousands and a comma for cents when there are any."""
    rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    whole = f"{int(rounded):,}".replace(",", ".")
    cents = abs(rounded) % 1
    if cents:
        return f"{whole},{int(cents * 100):02d}"
    return whole


def percent(value: Decimal) -> str:
    shown = value.quantize(CENT, rounding=ROUND_HALF_UP).normalize()
    return f"{shown:f}".replace(".", ",")


def check_assessment(completed: bool) -> CheckResult:
    if completed:
        return CheckResult(Check.ASSESSMENT_COMPLETED, True, "assessment_completed")
    return CheckResult(Check.ASSESSMENT_COMPLETED, False, "assessment_not_completed")


def check_cost(total_cost: Decimal | None, limits: ProgrammeLimits) -> CheckResult:
    if total_cost is None:
        return CheckResult(Check.COST_WITHIN_LIMITS, False, "cost_missing")
    params = {"cost": money(total_cost), "minimum": money(limits.cost_min), "maximum": money(limits.cost_max)}
    if total_cost < limits.cost_min:
        return CheckResult(Check.COST_WITHIN_LIMITS, False, "cost_too_low", params)
    if total_cost > limits.cost_max:
        return CheckResult(Check.COST_WITHIN_LIMITS, False, "cost_too_high", params)
    return CheckResult(Check.COST_WITHIN_LIMITS, True, "cost_ok", params)


def check_shares(
    total_cost: Decimal | None, requested: Decimal | None, own_share: Decimal | None
) -> CheckResult:
    if total_cost is None or requested is None or own_share is None:
        return CheckResult(Check.SHARES_ADD_UP, False, "shares_missing")
    added = requested + own_share
    params = {"requested": money(requested), "own": money(own_share), "cost": money(total_cost)}
    if added != total_cost:
        return CheckResult(Check.SHARES_ADD_UP, False, "shares_differ", {**params, "sum": money(added)})
    return CheckResult(Check.SHARES_ADD_UP, True, "shares_ok", params)


def check_own_share(
    total_cost: Decimal | None, own_share: Decimal | None, limits: ProgrammeLimits
) -> CheckResult:
    if total_cost is None or own_share is None:
        return CheckResult(Check.OWN_SHARE_MINIMUM, False, "shares_missing")
    # Compared in euros, not in a rounded percentage, so the boundary is exact.
    needed = total_cost * limits.own_share_min_percent / HUNDRED
    share = own_share * HUNDRED / total_cost if total_cost else Decimal("0")
    params = {
        "own": money(own_share),
        "percent": percent(share),
        "minimum": percent(limits.own_share_min_percent),
        "needed": money(needed),
    }
    if total_cost <= 0 or own_share < needed:
        return CheckResult(Check.OWN_SHARE_MINIMUM, False, "own_share_too_low", params)
    return CheckResult(Check.OWN_SHARE_MINIMUM, True, "own_share_ok", params)


def check_de_minimis(
    declared: bool, received: Decimal | None, requested: Decimal | None, limits: ProgrammeLimits
) -> CheckResult:
    if not declared or received is None:
        return CheckResult(Check.DE_MINIMIS, False, "de_minimis_not_declared")
    if requested is None:
        return CheckResult(Check.DE_MINIMIS, False, "shares_missing")
    total = received + requested
    params = {
        "received": money(received),
        "requested": money(requested),
        "total": money(total),
        "ceiling": money(limits.de_minimis_ceiling),
    }
    if total > limits.de_minimis_ceiling:
        return CheckResult(Check.DE_MINIMIS, False, "de_minimis_exceeded", params)
    return CheckResult(Check.DE_MINIMIS, True, "de_minimis_ok", params)


def check_enrolment(enrolled: bool) -> CheckResult:
    if enrolled:
        return CheckResult(Check.COMPANY_ENROLLED, True, "company_enrolled")
    return CheckResult(Check.COMPANY_ENROLLED, False, "company_not_enrolled")


def evaluate(figures: ProjectFigures, limits: ProgrammeLimits) -> tuple[CheckResult, ...]:
    """Every computed check on one project, in a fixed order."""
    return (
        check_assessment(figures.assessment_completed),
        check_cost(figures.total_cost, limits),
        check_shares(figures.total_cost, figures.financing_requested, figures.own_share),
        check_own_share(figures.total_cost, figures.own_share, limits),
        check_de_minimis(
            figures.de_minimis_declared, figures.de_minimis_received, figures.financing_requested, limits
        ),
        check_enrolment(figures.company_enrolled),
    )


def all_passed(results: Sequence[CheckResult]) -> bool:
    return all(result.passed for result in results)


def judgement_complete(judgement: Mapping[str, Any]) -> bool:
    """Whether staff have confirmed every check that needs judgement."""
    return all(judgement.get(key) is True for key in JUDGEMENT_KEYS)


def weighted_score(scores: Mapping[str, int], criteria: Sequence[Mapping[str, Any]]) -> Decimal | None:
    """The 0-10 score weighted by the programme's criteria, two decimals; None until every
    criterion is scored."""
    total_weight = Decimal("0")
    weighted = Decimal("0")
    for criterion in criteria:
        value = scores.get(criterion["key"])
        if value is None:
            return None
        weight = Decimal(str(criterion.get("weight", 0)))
        total_weight += weight
        weighted += weight * Decimal(value)
    if not criteria or total_weight <= 0:
        return None
    return (weighted / total_weight).quantize(CENT, rounding=ROUND_HALF_UP)


def describe(reason: str, params: Mapping[str, str]) -> str:
    """The reason in the active language, from its stored code and parameters."""
    template = REASONS.get(reason)
    if template is None:
        return reason
    try:
        return str(template) % dict(params)
    except (KeyError, ValueError, TypeError):
        return str(template)
