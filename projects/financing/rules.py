"""Who may do what on a project's financing: one condition a predicate.

Approvals and recusals are read from the project's prefetched rows when the page
prefetched them (queries.financing_project), so checking them costs no query."""

from __future__ import annotations

import rules

from programme.rules import is_administrator, is_programme_staff
from projects.models import ApprovalDecision, Project, ProjectStatus

AWAITING_DECISION = (ProjectStatus.ELIGIBLE, ProjectStatus.AWAITING_SECOND_APPROVAL)
UNDER_WAY = (ProjectStatus.APPROVED, ProjectStatus.STARTED)


def _approvals(project: Project) -> list:
    return list(project.approvals.all())


def _recusals(project: Project) -> list:
    return list(project.recusals.all())


@rules.predicate
def is_company_member(user, project) -> bool:
    return project is not None and any(
        membership.user_id == user.pk
        for membership in project.assessment.application.company.memberships.all()
    )


@rules.predicate
def is_facilitator(user, project) -> bool:
    return project is not None and project.facilitator.user_id == user.pk


@rules.predicate
def is_assessment_manager(user, project) -> bool:
    return project is not None and project.assessment.manager.user_id == user.pk


@rules.predicate
def is_awaiting_decision(user, project) -> bool:
    return project is not None and project.status in AWAITING_DECISION


@rules.predicate
def is_awaiting_second_approval(user, project) -> bool:
    return project is not None and project.status == ProjectStatus.AWAITING_SECOND_APPROVAL


@rules.predicate
def has_recused(user, project) -> bool:
    return project is not None and any(recusal.administrator_id == user.pk for recusal in _recusals(project))


@rules.predicate
def has_decided(user, project) -> bool:
    return project is not None and any(
        approval.administrator_id == user.pk for approval in _approvals(project)
    )


@rules.predicate
def has_first_approval(user, project) -> bool:
    return project is not None and any(
        approval.decision == ApprovalDecision.APPROVE for approval in _approvals(project)
    )


@rules.predicate
def is_approved(user, project) -> bool:
    return project is not None and project.status == ProjectStatus.APPROVED


@rules.predicate
def is_started(user, project) -> bool:
    return project is not None and project.status == ProjectStatus.STARTED


@rules.predicate
def is_under_way(user, project) -> bool:
    return project is not None and project.status in UNDER_WAY


@rules.predicate
def has_final_report(user, project) -> bool:
    return project is not None and bool(project.final_report.strip())


is_project_side = is_company_member | is_facilitator | is_assessment_manager

# A recused administrator takes no part, and each administrator decides once.
may_decide = is_administrator & is_awaiting_decision & ~has_recused & ~has_decided
may_recuse = is_administrator & is_awaiting_decision & ~has_recused & ~has_decided
may_record_codes = is_programme_staff & is_under_way
may_start = is_programme_staff & is_approved
may_report_milestone = (is_company_member | is_facilitator) & is_started
may_pay_tranche = is_programme_staff & is_started
may_write_final_report = (is_company_member | is_facilitator) & is_started
may_close = is_programme_staff & is_started & has_final_report
may_revoke = is_administrator & is_under_way & ~has_recused

rules.add_perm("projects.decide_financing", may_decide)
rules.add_perm("projects.declare_conflict", may_recuse)
rules.add_perm("projects.record_codes", may_record_codes)
rules.add_perm("projects.start", may_start)
rules.add_perm("projects.report_milestone", may_report_milestone)
rules.add_perm("projects.pay_tranche", may_pay_tranche)
rules.add_perm("projects.write_final_report", may_write_final_report)
rules.add_perm("projects.close", may_close)
rules.add_perm("projects.revoke", may_revoke)
