"""Who may see and change a proposed project: one condition a predicate.

Before a decision only the company's members and its manager (the assessment's
manager, or the manager who facilitates the project) see it; staff see every one."""

from __future__ import annotations

import rules

from programme.rules import is_manager, is_programme_staff, is_sme_member
from projects.models import ProjectStatus


@rules.predicate
def is_company_member(user, project) -> bool:
    membership = getattr(user, "company_membership", None) if user.is_authenticated else None
    return (
        project is not None
        and membership is not None
        and membership.company_id == project.assessment.application.company_id
    )


@rules.predicate
def is_assessment_manager(user, project) -> bool:
    return project is not None and project.assessment.manager.user_id == user.pk


@rules.predicate
def is_facilitator(user, project) -> bool:
    return project is not None and project.facilitator.user_id == user.pk


@rules.predicate
def is_draft(user, project) -> bool:
    return project is not None and project.status == ProjectStatus.DRAFT


@rules.predicate
def is_submitted(user, project) -> bool:
    return project is not None and project.status == ProjectStatus.SUBMITTED


may_read = (
    (is_sme_member & is_company_member)
    | (is_manager & (is_assessment_manager | is_facilitator))
    | is_programme_staff
)
# The company writes its proposal with the manager of its assessment.
is_writer = (is_sme_member & is_company_member) | (is_manager & is_assessment_manager)
# The de minimis declaration and the submission are made in the name of the company.
is_company_side = is_sme_member & is_company_member

may_edit = is_draft & is_writer
may_declare = is_draft & is_company_side
may_submit = is_draft & is_company_side
may_judge = is_programme_staff & is_submitted

rules.add_perm("projects.read_project", may_read)
rules.add_perm("projects.edit_project", may_edit)
rules.add_perm("projects.declare_de_minimis", may_declare)
rules.add_perm("projects.submit_project", may_submit)
rules.add_perm("projects.judge_eligibility", may_judge)
