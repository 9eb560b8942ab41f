"""The words staff and managers read for the codes that matching stores: each part of a
fit and the reason behind it, and why an SME was left without a manager."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

PART_LABELS = {
    "sector": _("Sector"),
    "competence": _("Competences"),
    "geography": _("Geography"),
    "merit": _("Merit"),
}

REASON_LABELS = {
    "same_division": _("experience in the SME's own ATECO division"),
    "same_section": _("experience in the SME's ATECO section, not its division"),
    "no_experience": _("no experience in the SME's sector"),
    "needs_covered": _("how the manager's competence levels cover the areas the SME asked for"),
    "no_needs_declared": _("the SME declared no areas, so every manager counts the same"),
    "same_province": _("works in the SME's own province"),
    "neighbouring_province": _("works in a neighbouring province"),
    "elsewhere_in_lombardy": _("works elsewhere in Lombardy"),
    "reviewed": _("the manager's merit score from the review"),
    "not_reviewed": _("the manager has no merit score yet"),
}

UNMATCHED_LABELS = {
    "capacity": _("The managers who fit it were all taken by SMEs they fit better."),
    "province": _("No manager with places left works in its province."),
    "minimum_fit": _("No manager reaches the minimum fit."),
}


@dataclass(frozen=True)
class PartInWords:
    label: str
    percent: int
    weight_percent: int
    points: str
    reason: str


def breakdown_in_words(breakdown: list[dict[str, Any]]) -> list[PartInWords]:
    """A stored breakdown as lines a person reads: part, value, weight, points, why."""
    return [
        PartInWords(
            label=str(PART_LABELS.get(part["part"], part["part"])),
            percent=round(float(part["value"]) * 100),
            weight_percent=round(float(part["weight"]) * 100),
            points=f"{float(part['contribution']) * 100:.1f}",
            reason=str(REASON_LABELS.get(part.get("reason", ""), part.get("reason", ""))),
        )
        for part in breakdown
    ]


ACTION_LABELS = {
    "run_started": _("Run started"),
    "run_proposed": _("Proposals ready"),
    "run_failed": _("Run failed"),
    "run_confirmed": _("Proposals confirmed"),
    "run_discarded": _("Proposals discarded"),
    "proposal_swapped": _("A proposal's manager changed"),
    "proposal_dropped": _("A proposal left out"),
    "proposal_restored": _("A proposal put back"),
    "assigned": _("Assigned to the manager"),
    "accepted": _("Accepted by the manager"),
    "declined": _("Declined by the manager"),
    "lapsed": _("Lapsed without an answer"),
}
