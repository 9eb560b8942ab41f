"""The words people read in a project's timeline for what financing records in the audit trail."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "first_approval": _("First approval: awaiting a second administrator"),
    "approved": _("Financing approved"),
    "rejected": _("Financing rejected"),
    "conflict_declared": _("An administrator declared a conflict of interest"),
    "codes_recorded": _("CUP and State-aid register codes recorded"),
    "started": _("Project started"),
    "milestone_reached": _("Milestone reported as reached"),
    "tranche_paid": _("Milestone checked and tranche paid"),
    "final_report": _("Final report written"),
    "closed": _("Project closed"),
    "revoked": _("Financing revoked"),
}
