"""Who may do what with companies and applications: one condition a predicate."""

from __future__ import annotations

import rules

from programme.rules import is_programme_staff, is_sme_member
from smes.models import ApplicationStatus


@rules.predicate
def is_company_member(user, application) -> bool:
    membership = getattr(user, "company_membership", None) if user.is_authenticated else None
    return (
        application is not None and membership is not None and membership.company_id == application.company_id
    )


@rules.predicate
def is_member_of(user, company) -> bool:
    membership = getattr(user, "company_membership", None) if user.is_authenticated else None
    return company is not None and membership is not None and membership.company_id == company.pk


@rules.predicate
def is_draft(user, application) -> bool:
    return application is not None and application.status == ApplicationStatus.DRAFT


@rules.predicate
def is_open(user, application) -> bool:
    return application is not None and application.is_open


can_edit_application = is_sme_member & is_company_member & is_draft
can_submit_application = is_sme_member & is_company_member & is_draft
may_withdraw = (is_sme_member & is_company_member) | is_programme_staff
can_withdraw_application = may_withdraw & is_open
can_decide_application = is_programme_staff
can_enrol_application = is_programme_staff
can_invite_colleague = is_sme_member & is_member_of

rules.add_perm("smes.edit_application", can_edit_application)
rules.add_perm("smes.submit_application", can_submit_application)
rules.add_perm("smes.withdraw_application", can_withdraw_application)
rules.add_perm("smes.decide_application", can_decide_application)
rules.add_perm("smes.enrol_application", can_enrol_application)
rules.add_perm("smes.invite_colleague", can_invite_colleague)
