"""The words of the proposal's audit entries, for the timeline include."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "created": _("Project proposed as a draft"),
    "de_minimis_declared": _("De minimis declaration made in the name of the company"),
    "submitted": _("Submitted to programme staff"),
    "declared_eligible": _("Declared eligible for financing"),
    "declared_ineligible": _("Declared not eligible for financing"),
}
