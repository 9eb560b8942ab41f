"""The words people read for what the workspace records in the audit trail."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from assessments import words as assessment_words

ACTION_LABELS = {
    **assessment_words.ACTION_LABELS,
    "started": _("Work started"),
    "visit_recorded": _("Visit logged"),
    "visit_changed": _("Visit changed"),
    "visit_deleted": _("Visit deleted"),
    "visit_confirmed": _("Visit confirmed by the SME"),
    "visit_disputed": _("Visit disputed by the SME"),
    "recommendation_deleted": _("Recommendation deleted"),
    "submitted": _("Report submitted"),
}
