"""Write side of financing: the administrators' decisions within the envelope, the
public-funding codes, the start, the tranches paid as milestones are checked, the final
report, closing and revoking.

The envelope is guarded as DESIGN.md asks: every function that changes the programme's
committed counters locks the programme row first (then the project, always in that
order, so two decisions never deadlock), checks what is left under that lock, and
updates the counters with F() expressions; the CheckConstraints on Programme refuse
any value past the envelope if some code ever skips the lock.

What a project holds of the envelope: its amount granted while approved or started; once
closed, what was actually paid (the savings go back to the envelope); nothing once revoked
(the unpaid rest goes back)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from programme import audit
from programme.models import Programme, User
from programme.notifications import absolute_url, notify
from programme.queries import users_with_role
from programme.roles import Role
from programme.rules import is_administrator, is_programme_staff
from projects.financing import rules
from projects.models import (
    PROJECT_TRANSITIONS,
    Approval,
    ApprovalDecision,
    Milestone,
    MilestoneStatus,
    Project,
    ProjectStatus,
    Recusal,
)

CENT = Decimal("0.01")
# The CUP (Codice Unico di Progetto) is 15 letters and digits, the first a letter.
CUP_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{14}$")
# The codes of the national State-aid register (RNA: COR, CAR, ...) are digits,
# sometimes written with a prefix and dashes.
STATE_AID_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,29}$")


# Helpers ---------------------------------------------------------------------------


def _project_link(project: Project) -> str:
    return absolute_url(reverse("financing:detail", args=[project.pk]))


def _locked_programme(project: Project) -> Programme:
    return Programme.objects.select_for_update().get(pk=project.programme_id)


def _locked_project(project: Project) -> Project:
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("assessment__application__company", "facilitator__user", "programme")
        .get(pk=project.pk)
    )


def _check_move(project: Project, target: str) -> None:
    if target not in PROJECT_TRANSITIONS[project.status]:
        raise ValidationError(
            _("This project is %(status)s: it cannot become %(target)s.")
            % {"status": project.get_status_display(), "target": ProjectStatus(target).label}
        )


def _require_administrator(by: User) -> None:
    if not is_administrator(by):
        raise PermissionDenied


def _require_staff(by: User) -> None:
    if not is_programme_staff(by):
        raise PermissionDenied


def _require_project_side(project: Project, by: User) -> None:
    """The company's members and the facilitating manager report on the work."""
    is_member = User.objects.filter(
        pk=by.pk, company_membership__company_id=project.assessment.application.company_id
    ).exists()
    if not (is_member or project.facilitator.user_id == by.pk):
        raise PermissionDenied


def _project_side(project: Project) -> list[User]:
    """Who hears about the project's financing: the company's members and its managers."""
    people = list(
        User.objects.filter(
            company_membership__company_id=project.assessment.application.company_id, is_active=True
        ).order_by("pk")
    )
    for manager_user_id in (project.facilitator.user_id, project.assessment.manager.user_id):
        if all(person.pk != manager_user_id for person in people):
            people.append(User.objects.get(pk=manager_user_id))
    return [person for person in people if person.is_active]


def _fresh(project: Project) -> Project:
    """The project with its approvals and recusals read now (the predicates read them)."""
    return (
        Project.objects.select_related("assessment__manager", "facilitator")
        .prefetch_related("approvals", "recusals")
        .get(pk=project.pk)
    )


def _check_may_take_part(project: Project, by: User) -> None:
    """An administrator with a declared conflict takes no part; each decides once."""
    current = _fresh(project)
    if rules.has_recused(by, current):
        raise PermissionDenied(_("You declared a conflict of interest on this project."))
    if rules.has_decided(by, current):
        raise ValidationError(_("You have already given your decision on this project."))


def euros(value: Decimal) -> str:
    """An amount as the reader writes it (1.234,50 in Italian, 1,234.50 in English)."""
    return number_format(value, 2, use_l10n=True, force_grouping=True)


def _money(value: Decimal | int | str | None) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(value).quantize(CENT)


def _check_within_envelope(programme: Programme, project: Project, amount: Decimal, field: str) -> None:
    """Under the programme's lock: the amount fits what the project asked and what is left."""
    if amount <= 0:
        raise ValidationError({field: _("The amount granted must be more than zero.")})
    if project.financing_requested is not None and amount > project.financing_requested:
        raise ValidationError(
            {
                field: _("The amount granted cannot be more than the financing requested (€ %(requested)s).")
                % {"requested": euros(project.financing_requested)}
            }
        )
    if programme.projects_left < 1:
        raise ValidationError(
            {
                field: _("The envelope has no project left to finance: all %(count)s are committed.")
                % {"count": programme.envelope_projects}
            }
        )
    if amount > programme.amount_left:
        raise ValidationError(
            {
                field: _("The envelope has only € %(left)s left: the amount granted cannot be more.")
                % {"left": euros(programme.amount_left)}
            }
        )


def _commit_envelope(programme: Programme, amount: Decimal) -> None:
    Programme.objects.filter(pk=programme.pk).update(
        committed_projects=F("committed_projects") + 1, committed_amount=F("committed_amount") + amount
    )
    programme.refresh_from_db(fields=["committed_projects", "committed_amount"])


def _release_amount(programme: Programme, amount: Decimal, *, project_too: bool) -> None:
    changes = {"committed_amount": F("committed_amount") - amount}
    if project_too:
        changes["committed_projects"] = F("committed_projects") - 1
    Programme.objects.filter(pk=programme.pk).update(**changes)
    programme.refresh_from_db(fields=["committed_projects", "committed_amount"])


# Decisions (administrators) ----------------------------------------------------------


def _finalise_approval(programme: Programme, project: Project, amount: Decimal, by: User) -> None:
    previous = project.status
    _check_within_envelope(programme, project, amount, "amount")
    _commit_envelope(programme, amount)
    project.status = ProjectStatus.APPROVED
    project.amount_granted = amount
    project.decided_at = timezone.now()
    project.save(update_fields=["status", "amount_granted", "decided_at", "updated_at"])
    approvers = list(
        project.approvals.filter(decision=ApprovalDecision.APPROVE).values_list("administrator_id", flat=True)
    )
    audit.record(
        obj=project,
        actor=by,
        action="approved",
        from_status=previous,
        to_status=project.status,
        programme=programme,
        data={"amount": str(amount), "approvers": approvers},
    )
    link = _project_link(project)
    company = project.assessment.application.company.legal_name
    for person in _project_side(project):
        notify(person, "financing_approved", link=link, project=project.title, company=company, amount=amount)
    for person in users_with_role(Role.STAFF):
        notify(
            person,
            "financing_approved_staff",
            link=link,
            project=project.title,
            company=company,
            amount=amount,
        )


@transaction.atomic
def project_approve(*, project: Project, by: User, amount: Decimal | None = None) -> Project:
    """An administrator approves an eligible project with the amount granted.

    When the programme needs two administrators, the first approval (with its amount)
    leaves the project awaiting a second, different administrator, who confirms that
    amount; the envelope is committed only then, and what is left is checked again."""
    _require_administrator(by)
    programme = _locked_programme(project)
    locked = _locked_project(project)
    if locked.status not in rules.AWAITING_DECISION:
        _check_move(locked, ProjectStatus.APPROVED)
    _check_may_take_part(locked, by)
    amount = _money(amount)

    if locked.status == ProjectStatus.AWAITING_SECOND_APPROVAL:
        first = (
            locked.approvals.filter(decision=ApprovalDecision.APPROVE).order_by("created_at", "pk").first()
        )
        if amount is not None and amount != first.amount:
            raise ValidationError(
                {
                    "amount": _(
                        "The first administrator approved € %(amount)s: confirm that amount, "
                        "or reject the project with a reason."
                    )
                    % {"amount": euros(first.amount)}
                }
            )
        amount = first.amount
        _check_within_envelope(programme, locked, amount, "amount")
        Approval.objects.create(
            project=locked, administrator=by, decision=ApprovalDecision.APPROVE, amount=amount
        )
        _finalise_approval(programme, locked, amount, by)
        return locked

    if amount is None:
        raise ValidationError({"amount": _("Enter the amount granted.")})
    _check_within_envelope(programme, locked, amount, "amount")
    Approval.objects.create(
        project=locked, administrator=by, decision=ApprovalDecision.APPROVE, amount=amount
    )
    if not programme.two_administrators_required:
        _finalise_approval(programme, locked, amount, by)
        return locked

    previous = locked.status
    _check_move(locked, ProjectStatus.AWAITING_SECOND_APPROVAL)
    locked.status = ProjectStatus.AWAITING_SECOND_APPROVAL
    locked.save(update_fields=["status", "updated_at"])
    audit.record(
        obj=locked,
        actor=by,
        action="first_approval",
        from_status=previous,
        to_status=locked.status,
        programme=programme,
        data={"amount": str(amount)},
    )
    recused = set(locked.recusals.values_list("administrator_id", flat=True))
    link = _project_link(locked)
    for person in users_with_role(Role.ADMINISTRATOR):
        if person.pk != by.pk and person.pk not in recused:
            notify(
                person,
                "financing_second_approval",
                link=link,
                project=locked.title,
                company=locked.assessment.application.company.legal_name,
                amount=amount,
                first_administrator=by,
            )
    return locked


@transaction.atomic
def project_reject(*, project: Project, reason: str, by: User) -> Project:
    """An administrator rejects a project awaiting a decision, with the reason the SME reads.

    One rejection is enough, also after a first approval: both signatures are needed to finance."""
    _require_administrator(by)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the project is rejected: the company reads it.")})
    locked = _locked_project(project)
    _check_move(locked, ProjectStatus.REJECTED)
    _check_may_take_part(locked, by)
    previous = locked.status
    Approval.objects.create(project=locked, administrator=by, decision=ApprovalDecision.REJECT, reason=reason)
    locked.status = ProjectStatus.REJECTED
    locked.decision_reason = reason
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decision_reason", "decided_at", "updated_at"])
    audit.record(
        obj=locked,
        actor=by,
        action="rejected",
        from_status=previous,
        to_status=locked.status,
        reason=reason,
        programme=locked.programme,
    )
    link = _project_link(locked)
    for person in _project_side(locked):
        notify(
            person,
            "financing_rejected",
            link=link,
            project=locked.title,
            company=locked.assessment.application.company.legal_name,
            reason=reason,
        )
    return locked


@transaction.atomic
def project_declare_conflict(*, project: Project, reason: str, by: User) -> Recusal:
    """An administrator declares a conflict of interest and takes no part in the decision."""
    _require_administrator(by)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Describe the conflict of interest.")})
    locked = _locked_project(project)
    if locked.status not in rules.AWAITING_DECISION:
        raise ValidationError(_("A conflict of interest is declared while the project awaits a decision."))
    _check_may_take_part(locked, by)
    recusal = Recusal.objects.create(project=locked, administrator=by, reason=reason)
    audit.record(
        obj=locked,
        actor=by,
        action="conflict_declared",
        from_status=locked.status,
        to_status=locked.status,
        reason=reason,
        programme=locked.programme,
    )
    return recusal


# After approval (staff, the SME) -----------------------------------------------------


@transaction.atomic
def project_record_codes(*, project: Project, cup_code: str, state_aid_code: str, by: User) -> Project:
    """Staff record the CUP project code and the code of the aid in the national State-aid register."""
    _require_staff(by)
    cup_code = cup_code.strip().upper().replace(" ", "")
    state_aid_code = state_aid_code.strip().upper().replace(" ", "")
    errors = {}
    if not CUP_PATTERN.match(cup_code):
        errors["cup_code"] = _("A CUP is 15 letters and digits, the first a letter.")
    if not STATE_AID_PATTERN.match(state_aid_code):
        errors["state_aid_code"] = _(
            "Enter the code of the aid in the State-aid register (digits and letters)."
        )
    if errors:
        raise ValidationError(errors)
    locked = _locked_project(project)
    if locked.status not in rules.UNDER_WAY:
        raise ValidationError(_("Codes are recorded for an approved or started project."))
    locked.cup_code = cup_code
    locked.state_aid_code = state_aid_code
    locked.save(update_fields=["cup_code", "state_aid_code", "updated_at"])
    audit.record(
        obj=locked,
        actor=by,
        action="codes_recorded",
        programme=locked.programme,
        data={"cup_code": cup_code, "state_aid_code": state_aid_code},
    )
    return locked


@transaction.atomic
def project_start(*, project: Project, started_on: datetime.date, by: User) -> Project:
    """Staff start an approved project on a date, once its public-funding codes are recorded."""
    _require_staff(by)
    locked = _locked_project(project)
    _check_move(locked, ProjectStatus.STARTED)
    if not locked.cup_code or not locked.state_aid_code:
        raise ValidationError(
            _("Record the CUP and the State-aid register code first: no aid is paid without them.")
        )
    if locked.decided_at and started_on < timezone.localdate(locked.decided_at):
        raise ValidationError({"started_on": _("A project cannot start before it was approved.")})
    previous = locked.status
    locked.status = ProjectStatus.STARTED
    locked.started_on = started_on
    locked.save(update_fields=["status", "started_on", "updated_at"])
    audit.record(
        obj=locked,
        actor=by,
        action="started",
        from_status=previous,
        to_status=locked.status,
        programme=locked.programme,
        data={"started_on": started_on.isoformat()},
    )
    link = _project_link(locked)
    for person in _project_side(locked):
        notify(person, "financing_started", link=link, project=locked.title, started_on=started_on)
    return locked


def _locked_milestone(milestone: Milestone) -> tuple[Project, Milestone]:
    project = _locked_project(milestone.project)
    return project, Milestone.objects.select_for_update().get(pk=milestone.pk)


@transaction.atomic
def milestone_report_reached(*, milestone: Milestone, evidence: str, by: User) -> Milestone:
    """The company (or its facilitating manager) reports a milestone reached, with what shows it;
    staff are told to check it."""
    project, locked = _locked_milestone(milestone)
    _require_project_side(project, by)
    evidence = evidence.strip()
    if not evidence:
        raise ValidationError({"evidence": _("Say what shows the milestone is reached.")})
    if project.status != ProjectStatus.STARTED:
        raise ValidationError(_("Milestones are reported while the project is under way."))
    if locked.status != MilestoneStatus.PLANNED:
        raise ValidationError(_("This milestone is already reported."))
    locked.status = MilestoneStatus.REACHED
    locked.evidence = evidence
    locked.reached_at = timezone.now()
    locked.save(update_fields=["status", "evidence", "reached_at"])
    audit.record(
        obj=project,
        actor=by,
        action="milestone_reached",
        reason=evidence,
        programme=project.programme,
        data={"milestone": locked.pk, "title": locked.title},
    )
    link = _project_link(project)
    for person in users_with_role(Role.STAFF):
        notify(
            person,
            "financing_milestone_reached",
            link=link,
            project=project.title,
            company=project.assessment.application.company.legal_name,
            milestone=locked.title,
        )
    return locked


def suggested_payment(project: Project, milestone: Milestone) -> Decimal:
    """The tranche as planned, scaled when less was granted than requested, never past what is unpaid."""
    tranche = milestone.tranche
    granted = project.amount_granted or Decimal("0")
    if project.financing_requested and granted < project.financing_requested:
        tranche = (tranche * granted / project.financing_requested).quantize(CENT)
    return max(Decimal("0"), min(tranche, project.amount_unpaid))


@transaction.atomic
def milestone_pay(*, milestone: Milestone, amount: Decimal, by: User) -> Milestone:
    """Staff check a reached milestone and pay its tranche. The project's amount paid never
    passes the amount granted: refused here, and by project_paid_within_granted in the database."""
    _require_staff(by)
    project, locked = _locked_milestone(milestone)
    amount = _money(amount)
    if project.status != ProjectStatus.STARTED:
        raise ValidationError(_("Tranches are paid while the project is under way."))
    if locked.status != MilestoneStatus.REACHED:
        raise ValidationError(_("Only a milestone the company reported as reached can be checked and paid."))
    if amount is None or amount < 0:
        raise ValidationError({"amount": _("Enter the amount paid (zero if nothing is due).")})
    if amount > project.amount_unpaid:
        raise ValidationError(
            {
                "amount": _("Only € %(unpaid)s of the amount granted is still to be paid.")
                % {"unpaid": euros(project.amount_unpaid)}
            }
        )
    locked.status = MilestoneStatus.PAID
    locked.paid_at = timezone.now()
    locked.checked_by = by
    locked.save(update_fields=["status", "paid_at", "checked_by"])
    Project.objects.filter(pk=project.pk).update(
        amount_paid=F("amount_paid") + amount, updated_at=timezone.now()
    )
    project.refresh_from_db(fields=["amount_paid"])
    audit.record(
        obj=project,
        actor=by,
        action="tranche_paid",
        programme=project.programme,
        data={"milestone": locked.pk, "title": locked.title, "amount": str(amount)},
    )
    link = _project_link(project)
    for person in _project_side(project):
        notify(
            person,
            "financing_tranche_paid",
            link=link,
            project=project.title,
            milestone=locked.title,
            amount=amount,
            paid=project.amount_paid,
            granted=project.amount_granted,
        )
    return locked


@transaction.atomic
def project_submit_final_report(*, project: Project, report: str, by: User) -> Project:
    """The company (or its facilitating manager) writes the final report; staff are told to close."""
    locked = _locked_project(project)
    _require_project_side(locked, by)
    report = report.strip()
    if not report:
        raise ValidationError({"final_report": _("Write what the project achieved.")})
    if locked.status != ProjectStatus.STARTED:
        raise ValidationError(_("The final report is written while the project is under way."))
    locked.final_report = report
    locked.save(update_fields=["final_report", "updated_at"])
    audit.record(obj=locked, actor=by, action="final_report", programme=locked.programme)
    link = _project_link(locked)
    for person in users_with_role(Role.STAFF):
        notify(
            person,
            "financing_final_report",
            link=link,
            project=locked.title,
            company=locked.assessment.application.company.legal_name,
        )
    return locked


@transaction.atomic
def project_close(*, project: Project, by: User) -> Project:
    """Staff close a started project with its final report. What was granted and not paid
    (the project's savings) goes back to the envelope; the project stays counted as financed."""
    _require_staff(by)
    programme = _locked_programme(project)
    locked = _locked_project(project)
    _check_move(locked, ProjectStatus.CLOSED)
    if not locked.final_report.strip():
        raise ValidationError(_("The project closes with its final report: it is not written yet."))
    if locked.milestones.filter(status=MilestoneStatus.REACHED).exists():
        raise ValidationError(_("Check and pay the milestones reported as reached first."))
    released = locked.amount_unpaid
    if released:
        _release_amount(programme, released, project_too=False)
    previous = locked.status
    locked.status = ProjectStatus.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at", "updated_at"])
    audit.record(
        obj=locked,
        actor=by,
        action="closed",
        from_status=previous,
        to_status=locked.status,
        programme=programme,
        data={"released": str(released), "paid": str(locked.amount_paid)},
    )
    link = _project_link(locked)
    for person in _project_side(locked):
        notify(person, "financing_closed", link=link, project=locked.title, paid=locked.amount_paid)
    return locked


@transaction.atomic
def project_revoke(*, project: Project, reason: str, by: User) -> Project:
    """Administrators revoke an approved or started project with a reason: what was not paid
    goes back into the envelope, and the project no longer counts among those financed."""
    _require_administrator(by)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the financing is revoked: the company reads it.")})
    programme = _locked_programme(project)
    locked = _locked_project(project)
    if rules.has_recused(by, _fresh(locked)):
        raise PermissionDenied(_("You declared a conflict of interest on this project."))
    _check_move(locked, ProjectStatus.REVOKED)
    released = locked.amount_unpaid
    _release_amount(programme, released, project_too=True)
    previous = locked.status
    locked.status = ProjectStatus.REVOKED
    locked.revocation_reason = reason
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["status", "revocation_reason", "revoked_at", "updated_at"])
    audit.record(
        obj=locked,
        actor=by,
        action="revoked",
        from_status=previous,
        to_status=locked.status,
        reason=reason,
        programme=programme,
        data={"released": str(released), "paid": str(locked.amount_paid)},
    )
    link = _project_link(locked)
    recipients = _project_side(locked)
    recipients += [
        person for person in users_with_role(Role.STAFF) if all(person.pk != other.pk for other in recipients)
    ]
    for person in recipients:
        notify(
            person,
            "financing_revoked",
            link=link,
            project=locked.title,
            company=locked.assessment.application.company.legal_name,
            reason=reason,
            paid=locked.amount_paid,
        )
    return locked
