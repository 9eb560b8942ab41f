"""Write side of the SME app: applying in steps, submitting, eligibility, enrolment within the quota.

Every function here is one use case, atomic, checks who may do it and whether the
status may move, writes the audit trail and tells the people concerned.

Locks are always taken in the same order, the programme row first and then the
application rows, so that two services never wait on each other in a circle.
"""

from __future__ import annotations

import datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from programme import audit
from programme.models import AuditEntry, Language, Programme, User
from programme.notifications import absolute_url, notify
from programme.queries import users_with_role
from programme.reference import activity
from programme.roles import Role, role_names
from programme.rules import is_programme_staff, is_sme_member
from programme.services import password_setting_link
from smes import eligibility
from smes import rules as sme_rules
from smes.models import (
    Application,
    ApplicationStatus,
    ApplicationStep,
    Company,
    CompanyMembership,
)

COMPANY_FIELDS = (
    "legal_name",
    "vat_number",
    "tax_code",
    "ateco_code",
    "address",
    "postal_code",
    "municipality",
    "municipality_code",
    "province",
    "pec",
    "employees",
    "turnover",
    "balance_sheet_total",
    "year_founded",
    "website",
)

STEP_FIELDS: dict[str, tuple[str, ...]] = {
    ApplicationStep.PEOPLE: (
        "legal_representative_first_name",
        "legal_representative_last_name",
        "legal_representative_tax_code",
        "legal_representative_role",
        "contact_first_name",
        "contact_last_name",
        "contact_role",
        "contact_email",
        "contact_phone",
    ),
    ApplicationStep.NEEDS: ("needs", "needs_description", "preferred_period", "period_notes"),
    ApplicationStep.DECLARATIONS: (
        "privacy_accepted",
        "declares_sme",
        "declares_not_in_difficulty",
        "declares_de_minimis",
        "declares_truthful",
    ),
}


def _member_link(application: Application) -> str:
    return absolute_url(reverse("smes:application_detail", args=[application.pk]))


def _staff_link(application: Application) -> str:
    return absolute_url(reverse("smes:staff_detail", args=[application.pk]))


def _members(company: Company) -> list[User]:
    return list(User.objects.filter(company_membership__company=company, is_active=True).order_by("pk"))


def _notify_members(application: Application, event: str, **context: Any) -> None:
    for member in _members(application.company):
        notify(
            member,
            event,
            link=_member_link(application),
            application=application,
            company=application.company,
            programme=application.programme,
            **context,
        )


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("company", "programme")
        .get(pk=application.pk)
    )


def _refuse_move(application: Application, target: str) -> None:
    if not application.allows(target):
        raise ValidationError(
            _("An application that is %(status)s cannot become %(target)s.")
            % {
                "status": application.get_status_display().lower(),
                "target": ApplicationStatus(target).label.lower(),
            }
        )


def _apply_company_values(company: Company, values: dict[str, Any]) -> None:
    for name in COMPANY_FIELDS:
        if name in values:
            setattr(company, name, values[name])
    found = activity(company.ateco_code)
    company.ateco_section = found.section if found else ""
    company.ateco_division = (found.division or "") if found else ""


def _report_duplicate(*, existing: Application, by: User) -> None:
    """Tell staff and the existing applicant's members that someone else tried to apply
    for the same company. Once per person and application, so retrying does not flood them."""
    already = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Application),
        object_id=str(existing.pk),
        action="duplicate_attempt",
        actor=by,
    ).exists()
    if already:
        return
    audit.record(obj=existing, actor=by, action="duplicate_attempt", programme=existing.programme)
    for staff in users_with_role(Role.STAFF):
        notify(
            staff,
            "sme_duplicate_attempt_staff",
            link=_staff_link(existing),
            application=existing,
            company=existing.company,
            attempted_by=by,
        )
    for member in _members(existing.company):
        notify(
            member,
            "sme_duplicate_attempt_member",
            link=_member_link(existing),
            application=existing,
            company=existing.company,
        )


def application_save_company(
    *, programme: Programme, values: dict[str, Any], by: User, application: Application | None = None
) -> Application:
    """Save the first step: the company. For a newcomer this creates the company, makes
    them its member and opens a draft application; afterwards it updates the draft.

    A VAT number that belongs to a company the person does not act for is refused. If that
    company has already applied to the programme, staff and its members are told of the
    attempt; the attempt is committed on its own, since the refusal rolls the rest back.
    """
    if not is_sme_member(by):
        raise PermissionDenied
    vat_number = values["vat_number"]
    membership = CompanyMembership.objects.select_related("company").filter(user=by).first()
    own_company = membership.company if membership else None
    other = Company.objects.filter(vat_number=vat_number).exclude(pk=getattr(own_company, "pk", None)).first()
    if other is not None:
        existing = (
            Application.objects.filter(programme=programme, company=other).select_related("company").first()
        )
        if existing is not None:
            with transaction.atomic():
                _report_duplicate(existing=existing, by=by)
            raise ValidationError(
                {
                    "vat_number": _(
                        "This company has already applied to the programme. Programme staff have been told."
                    )
                }
            )
        raise ValidationError(
            {
                "vat_number": _(
                    "This company is already registered on the portal: ask one of its members to invite you."
                )
            }
        )
    return _save_company(programme=programme, values=values, by=by, application=application)


@transaction.atomic
def _save_company(
    *, programme: Programme, values: dict[str, Any], by: User, application: Application | None
) -> Application:
    if application is not None:
        locked = _lock(application)
        if not sme_rules.can_edit_application.test(by, locked):
            raise PermissionDenied
        company = Company.objects.select_for_update().get(pk=locked.company_id)
        _apply_company_values(company, values)
        try:
            with transaction.atomic():
                company.save()
        except IntegrityError as error:
            raise ValidationError({"vat_number": _("This VAT number belongs to another company.")}) from error
        if ApplicationStep.COMPANY not in locked.steps_done:
            locked.steps_done = [*locked.steps_done, ApplicationStep.COMPANY]
            locked.save(update_fields=["steps_done", "updated_at"])
        return locked

    membership = CompanyMembership.objects.select_related("company").filter(user=by).first()
    if membership is None:
        company = Company()
        _apply_company_values(company, values)
        try:
            with transaction.atomic():
                company.save()
                CompanyMembership.objects.create(company=company, user=by)
        except IntegrityError as error:
            # Another person registered the same VAT number a moment ago.
            raise ValidationError(
                {
                    "vat_number": _(
                        "This company is already registered on the portal: ask one of its members to invite you."
                    )
                }
            ) from error
        audit.record(obj=company, actor=by, action="company_registered")
    else:
        company = Company.objects.select_for_update().get(pk=membership.company_id)
        if Application.objects.filter(programme=programme, company=company).exists():
            raise ValidationError(_("Your company already has an application in this programme."))
        _apply_company_values(company, values)
        company.save()
    try:
        with transaction.atomic():
            created = Application.objects.create(
                programme=programme,
                company=company,
                created_by=by,
                steps_done=[ApplicationStep.COMPANY],
                contact_first_name=by.first_name,
                contact_last_name=by.last_name,
                contact_email=by.email,
            )
    except IntegrityError as error:
        raise ValidationError(_("Your company already has an application in this programme.")) from error
    audit.record(
        obj=created, actor=by, action="created", to_status=ApplicationStatus.DRAFT, programme=programme
    )
    return created


@transaction.atomic
def application_save_step(
    *, application: Application, step: str, values: dict[str, Any], by: User
) -> Application:
    """Save one later step of a draft (people, needs, declarations). Declarations are
    made in the name of the legal representative, by the member who ticks them."""
    locked = _lock(application)
    if not sme_rules.can_edit_application.test(by, locked):
        raise PermissionDenied
    if step not in STEP_FIELDS:
        raise ValidationError(_("There is no such step."))
    changed = []
    for name in STEP_FIELDS[step]:
        if name in values:
            setattr(locked, name, values[name])
            changed.append(name)
    if step == ApplicationStep.DECLARATIONS:
        if not locked.legal_representative_name:
            raise ValidationError(
                _("Give the legal representative first: the declarations are made in their name.")
            )
        locked.declared_by = by
        locked.declared_at = timezone.now()
        changed += ["declared_by", "declared_at"]
    if step not in locked.steps_done:
        locked.steps_done = [*locked.steps_done, step]
        changed.append("steps_done")
    locked.save(update_fields=[*changed, "updated_at"])
    return locked


def company_terms(programme: Programme) -> eligibility.ProgrammeTerms:
    return eligibility.ProgrammeTerms(
        admitted_sectors=tuple(programme.admitted_sectors),
        opens_on=programme.applications_open_on,
        closes_on=programme.applications_close_on,
    )


def company_figures(company: Company) -> eligibility.CompanyFigures:
    return eligibility.CompanyFigures(
        employees=company.employees,
        turnover=company.turnover,
        balance_sheet_total=company.balance_sheet_total,
        province=company.province,
        ateco_code=company.ateco_code,
    )


@transaction.atomic
def application_submit(
    *, application: Application, by: User, today: datetime.date | None = None
) -> Application:
    """Submit a complete draft: the eligibility rules run on it and their results are kept
    for staff. From now on the SME can no longer change it, only withdraw it."""
    locked = _lock(application)
    if not sme_rules.can_submit_application.test(by, locked):
        raise PermissionDenied
    _refuse_move(locked, ApplicationStatus.SUBMITTED)
    missing = locked.steps_missing
    if missing:
        raise ValidationError(
            _("Complete these steps first: %(steps)s.")
            % {"steps": ", ".join(str(ApplicationStep(step).label) for step in missing)}
        )
    today = today or timezone.localdate()
    programme = locked.programme
    if not programme.applications_open(today):
        raise ValidationError(_("Applications to the programme are closed: it can no longer be submitted."))
    outcome = eligibility.evaluate(company_figures(locked.company), company_terms(programme), today)
    previous = locked.status
    locked.eligibility_results = [result.as_data() for result in outcome.results]
    locked.size_class = outcome.size_class
    locked.status = ApplicationStatus.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["eligibility_results", "size_class", "status", "submitted_at", "updated_at"])
    audit.record(
        obj=locked,
        actor=by,
        action="submitted",
        from_status=previous,
        to_status=locked.status,
        programme=programme,
        data={"rules_passed": outcome.eligible, "failed_rules": outcome.failed_rules},
    )
    _notify_members(locked, "sme_application_received")
    return locked


@transaction.atomic
def application_overrule_rule(*, application: Application, rule: str, reason: str, by: User) -> Application:
    """Staff set aside one failed rule, with a written reason kept in the audit trail."""
    if not is_programme_staff(by):
        raise PermissionDenied
    locked = _lock(application)
    if locked.status != ApplicationStatus.SUBMITTED:
        raise ValidationError(_("Rules can be overruled only before eligibility is decided."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Write why this rule is overruled.")})
    results = [dict(result) for result in locked.eligibility_results]
    target = next((result for result in results if result["rule"] == rule), None)
    if target is None or target["passed"] or target.get("overruled"):
        raise ValidationError({"rule": _("Only a rule that failed can be overruled.")})
    target.update(
        overruled=True,
        overrule_reason=reason,
        overruled_by=str(by),
        overruled_at=timezone.now().isoformat(),
    )
    locked.eligibility_results = results
    locked.save(update_fields=["eligibility_results", "updated_at"])
    audit.record(
        obj=locked,
        actor=by,
        action="rule_overruled",
        reason=reason,
        programme=locked.programme,
        data={"rule": rule},
    )
    return locked


@transaction.atomic
def application_decide(*, application: Application, eligible: bool, reason: str, by: User) -> Application:
    """Staff confirm a submitted application eligible or not, with a reason the SME reads.
    A failed rule must have been overruled (with its reason) before confirming eligible."""
    if not is_programme_staff(by):
        raise PermissionDenied
    locked = _lock(application)
    target = ApplicationStatus.ELIGIBLE if eligible else ApplicationStatus.INELIGIBLE
    _refuse_move(locked, target)
    reason = (reason or "").strip()
    if eligible and locked.failed_rules_not_overruled:
        labels = ", ".join(
            str(eligibility.RULE_LABELS.get(rule, rule)) for rule in locked.failed_rules_not_overruled
        )
        raise ValidationError(
            {
                "reason": _("These rules failed: %(rules)s. Overrule each with a reason first.")
                % {"rules": labels}
            }
        )
    if not eligible and not reason:
        raise ValidationError({"reason": _("Write the reason: the company will read it.")})
    previous = locked.status
    locked.status = target
    locked.decision_reason = reason
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decision_reason", "decided_at", "updated_at"])
    audit.record(
        obj=locked,
        actor=by,
        action=target,
        from_status=previous,
        to_status=target,
        reason=reason,
        programme=locked.programme,
    )
    _notify_members(locked, f"sme_application_{target}", reason=reason)
    return locked


def _next_waitlist_position(programme: Programme) -> int:
    highest = Application.objects.filter(programme=programme, status=ApplicationStatus.WAITLISTED).aggregate(
        highest=Max("waitlist_position")
    )["highest"]
    return (highest or 0) + 1


def _take_slot(programme: Programme) -> None:
    # The database refuses a count past the quota (programme_enrolled_within_quota) even
    # if a caller forgot the lock; with the lock held this never fails.
    Programme.objects.filter(pk=programme.pk).update(enrolled_count=F("enrolled_count") + 1)
    programme.enrolled_count += 1


def _free_slot(programme: Programme) -> None:
    Programme.objects.filter(pk=programme.pk).update(enrolled_count=F("enrolled_count") - 1)
    programme.enrolled_count -= 1


def _close_waitlist_gap(programme: Programme, position: int) -> None:
    Application.objects.filter(
        programme=programme, status=ApplicationStatus.WAITLISTED, waitlist_position__gt=position
    ).update(waitlist_position=F("waitlist_position") - 1)


def _enrol_locked(application: Application, programme: Programme, by: User | None, action: str) -> None:
    previous = application.status
    left_position = application.waitlist_position
    _take_slot(programme)
    application.status = ApplicationStatus.ENROLLED
    application.enrolled_at = timezone.now()
    application.waitlist_position = None
    application.save(update_fields=["status", "enrolled_at", "waitlist_position", "updated_at"])
    if left_position is not None:
        _close_waitlist_gap(programme, left_position)
    audit.record(
        obj=application,
        actor=by,
        action=action,
        from_status=previous,
        to_status=application.status,
        programme=programme,
    )
    _notify_members(
        application, "sme_application_moved_up" if action == "moved_up" else "sme_application_enrolled"
    )


@transaction.atomic
def application_enrol(*, application: Application, by: User) -> Application:
    """Staff enrol an eligible application. With a slot left it is enrolled; with the quota
    full it goes on the waiting list, last, and the company is told its position."""
    if not is_programme_staff(by):
        raise PermissionDenied
    programme = Programme.objects.select_for_update().get(pk=application.programme_id)
    locked = _lock(application)
    _refuse_move(locked, ApplicationStatus.ENROLLED)
    if programme.slots_left > 0:
        _enrol_locked(locked, programme, by, "enrolled")
        return locked
    if locked.status == ApplicationStatus.WAITLISTED:
        raise ValidationError(
            _("The quota is full: the application stays on the waiting list, at position %(position)s.")
            % {"position": locked.waitlist_position}
        )
    previous = locked.status
    locked.status = ApplicationStatus.WAITLISTED
    locked.waitlist_position = _next_waitlist_position(programme)
    locked.waitlisted_at = timezone.now()
    locked.save(update_fields=["status", "waitlist_position", "waitlisted_at", "updated_at"])
    audit.record(
        obj=locked,
        actor=by,
        action="waitlisted",
        from_status=previous,
        to_status=locked.status,
        programme=programme,
        data={"position": locked.waitlist_position},
    )
    _notify_members(locked, "sme_application_waitlisted", position=locked.waitlist_position)
    return locked


@transaction.atomic
def application_withdraw(*, application: Application, by: User, reason: str = "") -> Application:
    """Withdraw an open application, by a member of the company or by staff (who give a
    reason). An enrolled company's slot goes to the first on the waiting list, who is told."""
    programme = Programme.objects.select_for_update().get(pk=application.programme_id)
    locked = _lock(application)
    if not sme_rules.may_withdraw.test(by, locked):
        raise PermissionDenied
    _refuse_move(locked, ApplicationStatus.WITHDRAWN)
    reason = (reason or "").strip()
    by_staff = Role.STAFF in role_names(by) and not sme_rules.is_company_member.test(by, locked)
    if by_staff and not reason:
        raise ValidationError({"reason": _("Write the reason: the company will read it.")})
    previous = locked.status
    left_position = locked.waitlist_position
    locked.status = ApplicationStatus.WITHDRAWN
    locked.withdrawn_at = timezone.now()
    locked.withdrawal_reason = reason
    locked.waitlist_position = None
    locked.save(
        update_fields=["status", "withdrawn_at", "withdrawal_reason", "waitlist_position", "updated_at"]
    )
    audit.record(
        obj=locked,
        actor=by,
        action="withdrawn",
        from_status=previous,
        to_status=locked.status,
        reason=reason,
        programme=programme,
    )
    _notify_members(locked, "sme_application_withdrawn", reason=reason, by_staff=by_staff)
    if previous == ApplicationStatus.WAITLISTED and left_position is not None:
        _close_waitlist_gap(programme, left_position)
    if previous == ApplicationStatus.ENROLLED:
        _free_slot(programme)
        promote_from_waitlist(programme=programme, by=by)
    return locked


def promote_from_waitlist(*, programme: Programme, by: User | None) -> Application | None:
    """Give a free slot to the first on the waiting list. Called with the programme row locked."""
    if programme.slots_left <= 0:
        return None
    first = (
        Application.objects.select_for_update(of=("self",))
        .select_related("company", "programme")
        .filter(programme=programme, status=ApplicationStatus.WAITLISTED)
        .order_by("waitlist_position")
        .first()
    )
    if first is None:
        return None
    _enrol_locked(first, programme, by, "moved_up")
    return first


def _add_sme_role(user: User) -> None:
    group, _created = Group.objects.get_or_create(name=Role.SME_MEMBER)
    user.groups.add(group)
    user.__dict__.pop("_portal_roles", None)
    user.__dict__.pop("_group_names_cache", None)


@transaction.atomic
def company_invite_member(
    *, company: Company, email: str, first_name: str, last_name: str, language: str, by: User
) -> User:
    """A member invites a colleague. A new address gets an account (SME member, verified
    address, no password) and an e-mail with the link to choose one; an SME member who acts
    for no company yet is simply added. Nobody is moved from another company."""
    if not sme_rules.can_invite_colleague.test(by, company):
        raise PermissionDenied
    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        if CompanyMembership.objects.filter(user=existing, company=company).exists():
            raise ValidationError({"email": _("This person is already a member of your company.")})
        addable = (
            Role.SME_MEMBER in role_names(existing)
            and not CompanyMembership.objects.filter(user=existing).exists()
        )
        if not addable:
            # Deliberately vague: whether and how the address is used elsewhere is not the inviter's business.
            raise ValidationError(
                {"email": _("This address cannot be added to your company. Ask programme staff for help.")}
            )
        CompanyMembership.objects.create(company=company, user=existing, invited_by=by)
        audit.record(obj=company, actor=by, action="member_added", data={"user": existing.pk})
        notify(
            existing,
            "sme_member_added",
            link=absolute_url(reverse("home:sme")),
            inviter=by,
            company=company,
        )
        return existing
    user = User.objects.create_user(
        email=email,
        password=None,
        first_name=first_name,
        last_name=last_name,
        language=language if language in Language.values else Language.ITALIAN,
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    _add_sme_role(user)
    CompanyMembership.objects.create(company=company, user=user, invited_by=by)
    audit.record(obj=user, actor=by, action="invited", to_status=Role.SME_MEMBER)
    audit.record(obj=company, actor=by, action="member_invited", data={"user": user.pk})
    notify(user, "sme_member_invited", link=password_setting_link(user), inviter=by, company=company)
    return user
