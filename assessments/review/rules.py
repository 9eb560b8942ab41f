"""Who may do what on staff's side of an assessment: one condition a predicate."""

from __future__ import annotations

import rules

from assessments.models import OPEN_STATUSES, AssessmentStatus
from programme.rules import is_programme_staff

# The assessments that can change hands: the work has started and the report is
# not yet with staff (a submitted report is returned first, then handed over).
HANDOVER_STATUSES = (AssessmentStatus.ACCEPTED, AssessmentStatus.IN_PROGRESS)


@rules.predicate
def is_report_submitted(user, assessment) -> bool:
    return assessment is not None and assessment.status == AssessmentStatus.SUBMITTED


@rules.predicate
def is_open_assessment(user, assessment) -> bool:
    return assessment is not None and assessment.status in OPEN_STATUSES


@rules.predicate
def is_work_under_way(user, assessment) -> bool:
    return assessment is not None and assessment.status in HANDOVER_STATUSES


may_validate = is_programme_staff & is_report_submitted
may_cancel = is_programme_staff & is_open_assessment
may_hand_over = is_programme_staff & is_work_under_way

rules.add_perm("assessments.validate_report", may_validate)
rules.add_perm("assessments.cancel", may_cancel)
rules.add_perm("assessments.hand_over", may_hand_over)
