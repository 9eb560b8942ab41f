"""Who may read a report and give feedback on it: one condition a predicate."""

from __future__ import annotations

import rules

from assessments.models import AssessmentStatus
from programme.rules import is_manager, is_programme_staff, is_sme_member

# A report exists once the manager has submitted it; the SME reads it once staff have
# validated it (completed), never a draft that staff may still return.
REPORT_STATUSES = (AssessmentStatus.SUBMITTED, AssessmentStatus.COMPLETED)
SME_REPORT_STATUSES = (AssessmentStatus.COMPLETED,)


@rules.predicate
def is_company_member(user, assessment) -> bool:
    membership = getattr(user, "company_membership", None) if user.is_authenticated else None
    return (
        assessment is not None
        and membership is not None
        and membership.company_id == assessment.application.company_id
    )


@rules.predicate
def is_completed(user, assessment) -> bool:
    return assessment is not None and assessment.status == AssessmentStatus.COMPLETED


@rules.predicate
def has_no_feedback(user, assessment) -> bool:
    return assessment is not None and not hasattr(assessment, "feedback")


may_read_reports = is_sme_member | is_manager | is_programme_staff
may_give_feedback = is_sme_member & is_company_member & is_completed & has_no_feedback
may_read_feedback = is_programme_staff

rules.add_perm("assessments.give_feedback", may_give_feedback)
rules.add_perm("assessments.read_feedback", may_read_feedback)
