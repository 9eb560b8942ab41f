"""The words staff read for what this package records in the audit trail, beside those
of matching, the workspace and the report, so staff's timeline reads the whole story."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from assessments.reports import words as report_words
from assessments.work import words as work_words

ACTION_LABELS = {
    **work_words.ACTION_LABELS,
    **report_words.ACTION_LABELS,
    "completed": _("Report validated: assessment completed"),
    "returned": _("Report returned to the manager with comments"),
    "cancelled": _("Cancelled by staff"),
    "reassigned": _("Handed to another manager"),
    "overdue_reminded": _("Manager reminded: past the deadline"),
}
