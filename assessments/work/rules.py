"""Who may do what in the manager's workspace and on the SME's visit log."""

from __future__ import annotations

import rules

from assessments.models import AssessmentStatus
from assessments.rules import is_assigned_manager
from programme.rules import is_manager, is_programme_staff, is_sme_member

# The manager writes while the work is open; from submission on the report is read-only
# until staff return it (submitted -> in_progress).
WRITABLE_STATUSES = (AssessmentStatus.ACCEPTED, AssessmentStatus.IN_PROGRESS)
# The statuses whose workspace exists: the manager accepted, so there is work to show.
WORKSPACE_STATUSES = (
    AssessmentStatus.ACCEPTED,
    AssessmentStatus.IN_PROGRESS,
    AssessmentStatus.SUBMITTED,
    AssessmentStatus.COMPLETED,
)
# The SME answers visits while the assessment is open, so staff have its word before completing.
ANSWERABLE_STATUSES = (AssessmentStatus.ACCEPTED, AssessmentStatus.IN_PROGRESS, AssessmentStatus.SUBMITTED)


@rules.predicate
def is_writable(user, assessment) -> bool:
    return assessment is not None and assessment.status in WRITABLE_STATUSES


@rules.predicate
def is_in_progress(user, assessment) -> bool:
    return assessment is not None and assessment.status == AssessmentStatus.IN_PROGRESS


@rules.predicate
def is_company_member(user, assessment) -> bool:
    membership = getattr(user, "company_membership", None)
    return (
        assessment is not None
        and membership is not None
        and membership.company_id == assessment.application.company_id
    )


@rules.predicate
def is_answerable(user, assessment) -> bool:
    return assessment is not None and assessment.status in ANSWERABLE_STATUSES


may_read_workspace = (is_manager & is_assigned_manager) | is_programme_staff
may_write = is_manager & is_assigned_manager & is_writable
may_submit = is_manager & is_assigned_manager & is_in_progress
may_answer_visits = is_sme_member & is_company_member & is_answerable

rules.add_perm("assessments.read_workspace", may_read_workspace)
rules.add_perm("assessments.write_workspace", may_write)
rules.add_perm("assessments.submit_report", may_submit)
rules.add_perm("assessments.answer_visit", may_answer_visits)
