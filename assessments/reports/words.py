"""The words of the report's audit entries, for the timeline include."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "feedback_given": _("Feedback given by the SME"),
}
