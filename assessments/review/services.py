"""Write side of staff's work on assessments: validating the report (complete it or
return it with comments), cancelling, handing an assessment to another manager, and
the deadline's reminders.

Every function locks the assessment row, checks the move against
ASSESSMENT_TRANSITIONS, records the audit entry and tells people through notify(),
whose e-mails leave only after commit."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import totals
from assessments.models import ASSESSMENT_TRANSITIONS, REFUSED_STATUSES, Assessment, AssessmentStatus
from assessments.review import queries
from assessments.review.rules import HANDOVER_STATUSES
from assessments.services import _locked_assessment, _members
from managers import services as manager_services
from managers.models import Manager
from programme import audit
from programme.models import Notification, Programme, User
from programme.notifications import absolute_url, notify
from programme.queries import users_with_role
from programme.roles import Role
from programme.rules import is_programme_staff

DIGEST_EVENT = "review_overdue_digest"


def _require_staff(by: User) -> None:
    if not is_programme_staff(by):
        raise PermissionDenied


def _check_move(assessment: Assessment, target: str) -> None:
    if target not in ASSESSMENT_TRANSITIONS[assessment.status]:
        raise ValidationError(
            _("This assessment is %(status)s: it cannot become %(target)s.")
            % {"status": assessment.get_status_display(), "target": AssessmentStatus(target).label}
        )


def _staff_link(assessment: Assessment) -> str:
    return absolute_url(reverse("review:detail", args=[assessment.pk]))


def _manager_link() -> str:
    # The manager's home lists their assessments (this one no longer open to them).
    return absolute_url(reverse("home:manager"))


def _workspace_link(assessment: Assessment) -> str:
    return absolute_url(reverse("work:workspace", args=[assessment.pk]))


def _report_link(assessment: Assessment) -> str:
    return absolute_url(reverse("reports:report", args=[assessment.pk]))


def _sme_link() -> str:
    return absolute_url(reverse("home:sme"))


@transaction.atomic
def assessment_complete(*, assessment: Assessment, by: User) -> Assessment:
    """Staff validate the submitted report: the assessment is completed (it now counts in
    the quota), the manager's place is freed, the manager and the SME are told and the
    SME can read the report."""
    _require_staff(by)
    locked = _locked_assessment(assessment)
    _check_move(locked, AssessmentStatus.COMPLETED)
    previous = locked.status
    locked.status = AssessmentStatus.COMPLETED
    locked.completed_at = timezone.now()
    locked.save(update_fields=["status", "completed_at", "updated_at"])
    totals.add_completed(locked)
    manager_services.capacity_release(manager=locked.manager, by=by, completed=True)
    audit.record(
        obj=locked,
        actor=by,
        action="completed",
        from_status=previous,
        to_status=locked.status,
        programme=locked.programme,
    )
    company = locked.application.company.legal_name
    notify(locked.manager.user, "review_completed_manager", link=_report_link(locked), company=company)
    for member in _members(locked.application):
        notify(
            member,
            "review_completed_sme",
            link=_report_link(locked),
            company=company,
            manager=locked.manager.user,
        )
    return locked


@transaction.atomic
def assessment_return(*, assessment: Assessment, comments: str, by: User) -> Assessment:
    """Staff send the submitted report back to the manager with comments: the work is
    open again (in progress) and the manager sees the comments on their workspace."""
    _require_staff(by)
    comments = comments.strip()
    if not comments:
        raise ValidationError({"comments": _("Tell the manager what to change in the report.")})
    locked = _locked_assessment(assessment)
    _check_move(locked, AssessmentStatus.IN_PROGRESS)
    previous = locked.status
    locked.status = AssessmentStatus.IN_PROGRESS
    locked.returned_at = timezone.now()
    locked.return_comments = comments
    locked.save(update_fields=["status", "returned_at", "return_comments", "updated_at"])
    audit.record(
        obj=locked,
        actor=by,
        action="returned",
        from_status=previous,
        to_status=locked.status,
        reason=comments,
        programme=locked.programme,
    )
    notify(
        locked.manager.user,
        "review_returned",
        link=_workspace_link(locked),
        company=locked.application.company.legal_name,
        comments=comments,
    )
    return locked


@transaction.atomic
def assessment_cancel(*, assessment: Assessment, reason: str, by: User) -> Assessment:
    """Staff cancel an open assessment, saying why: the manager's place is freed, the SME
    waits for a new match, and the assessment never counts as completed."""
    _require_staff(by)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the assessment is cancelled.")})
    locked = _locked_assessment(assessment)
    _check_move(locked, AssessmentStatus.CANCELLED)
    previous = locked.status
    locked.status = AssessmentStatus.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.cancel_reason = reason
    locked.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    # Every open status holds one of the manager's places, from confirmation on.
    manager_services.capacity_release(manager=locked.manager, by=by)
    audit.record(
        obj=locked,
        actor=by,
        action="cancelled",
        from_status=previous,
        to_status=locked.status,
        reason=reason,
        programme=locked.programme,
    )
    company = locked.application.company.legal_name
    notify(
        locked.manager.user, "review_cancelled_manager", link=_manager_link(), company=company, reason=reason
    )
    for member in _members(locked.application):
        notify(member, "review_cancelled_sme", link=_sme_link(), company=company, reason=reason)
    return locked


def _lock_managers(*managers: Manager) -> None:
    """Lock the managers' rows in one order (by id), so two handovers crossing the same
    two managers wait for each other instead of deadlocking."""
    list(
        Manager.objects.select_for_update(of=("self",))
        .filter(pk__in=[manager.pk for manager in managers])
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def assessment_hand_over(*, assessment: Assessment, manager: Manager, reason: str, by: User) -> Assessment:
    """Staff give an assessment under way to another manager (the first left the pool,
    fell ill, or the SME asked). Visits, findings and the draft stay with the assessment,
    so the new manager continues from them; one place moves from the old manager's
    counter to the new one's; both managers and the SME are told; the audit entry keeps
    who held it before and after."""
    _require_staff(by)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the assessment changes hands.")})
    locked = _locked_assessment(assessment)
    if locked.status not in HANDOVER_STATUSES:
        raise ValidationError(
            _(
                "Only an accepted assessment or one in progress can be handed over "
                "(this one is %(status)s); return a submitted report first."
            )
            % {"status": locked.get_status_display()}
        )
    if manager.pk == locked.manager_id:
        raise ValidationError({"manager": _("This manager already holds the assessment.")})
    if manager.programme_id != locked.programme_id:
        raise ValidationError({"manager": _("This manager is not in the programme's pool.")})
    company = locked.application.company
    if company.vat_number in (manager.declared_vat_numbers or []):
        raise ValidationError(
            {
                "manager": _("This manager declared a conflict of interest with %(company)s.")
                % {"company": company}
            }
        )
    if Assessment.objects.filter(
        application_id=locked.application_id, manager=manager, status__in=REFUSED_STATUSES
    ).exists():
        raise ValidationError({"manager": _("This manager declined this company before.")})
    previous = locked.manager
    _lock_managers(previous, manager)
    # The new place is taken first: if the new manager cannot take it, nothing moved.
    incoming = manager_services.capacity_take(manager=manager, by=by)
    manager_services.capacity_release(manager=previous, by=by)
    locked.manager = incoming
    # A reminder already sent went to the previous manager; the new one gets their own.
    locked.overdue_reminder_sent_at = None
    locked.save(update_fields=["manager", "overdue_reminder_sent_at", "updated_at"])
    audit.record(
        obj=locked,
        actor=by,
        action="reassigned",
        from_status=locked.status,
        to_status=locked.status,
        reason=reason,
        programme=locked.programme,
        data={
            "from_manager": previous.pk,
            "from_name": str(previous),
            "to_manager": incoming.pk,
            "to_name": str(incoming),
        },
    )
    notify(
        previous.user,
        "review_handed_over_previous",
        link=_manager_link(),
        company=company.legal_name,
        successor=incoming.user,
        reason=reason,
    )
    notify(
        incoming.user,
        "review_handed_over_new",
        link=_workspace_link(locked),
        company=company.legal_name,
        predecessor=previous.user,
        due=locked.due_on,
        reason=reason,
    )
    for member in _members(locked.application):
        notify(
            member,
            "review_handed_over_sme",
            link=_sme_link(),
            company=company.legal_name,
            manager_user=incoming.user,
            manager=incoming,
        )
    return locked


# Deadlines -------------------------------------------------------------------------------


def overdue_reminders_send(*, today: datetime.date | None = None) -> int:
    """Periodic: remind each manager, once, of an assessment of theirs still open past its
    deadline. The reminder is claimed with a conditional update first, so a second run
    of the task (or a second worker) never sends it again. A report already submitted
    waits for staff, not the manager, so it is left to the staff digest."""
    today = today or timezone.localdate()
    reminded = 0
    candidates = (
        Assessment.objects.filter(
            status__in=HANDOVER_STATUSES, due_on__lt=today, overdue_reminder_sent_at__isnull=True
        )
        .select_related("manager__user", "application__company", "programme")
        .order_by("pk")
    )
    for assessment in candidates:
        with transaction.atomic():
            claimed = Assessment.objects.filter(
                pk=assessment.pk,
                manager_id=assessment.manager_id,
                status__in=HANDOVER_STATUSES,
                overdue_reminder_sent_at__isnull=True,
            ).update(overdue_reminder_sent_at=timezone.now())
            if not claimed:
                continue
            audit.record(
                obj=assessment,
                actor=None,
                action="overdue_reminded",
                programme=assessment.programme,
                data={"due_on": assessment.due_on.isoformat()},
            )
            notify(
                assessment.manager.user,
                "review_overdue_manager",
                link=_workspace_link(assessment),
                company=assessment.application.company.legal_name,
                due=assessment.due_on,
                days_late=(today - assessment.due_on).days,
            )
            reminded += 1
    return reminded


def iso_week(day: datetime.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def overdue_digest_send(*, today: datetime.date | None = None) -> int:
    """Periodic: tell each staff member, at most once per ISO week, which assessments are
    overdue. The week is part of the notification's link, and the programme row is
    locked while sending, so the check for an earlier digest of the same week and the
    sending never race. Returns how many digests were sent."""
    today = today or timezone.localdate()
    week = iso_week(today)
    sent = 0
    for programme_id in Programme.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            programme = Programme.objects.select_for_update().get(pk=programme_id)
            overdue = list(
                queries.staff_assessments(programme, today)
                .filter(overdue=True)
                .order_by("due_on", "application__company__legal_name", "pk")
            )
            if not overdue:
                continue
            link = absolute_url(reverse("review:list")) + f"?overdue=on&week={week}"
            already = set(
                Notification.objects.filter(event=DIGEST_EVENT, link=link).values_list(
                    "recipient_id", flat=True
                )
            )
            rows = [
                {
                    "company": assessment.application.company.legal_name,
                    "manager": str(assessment.manager),
                    "manager_left": assessment.manager_left,
                    # Lazy, so each digest reads in its recipient's language.
                    "status": AssessmentStatus(assessment.status).label,
                    "due": assessment.due_on,
                    "days_late": (today - assessment.due_on).days,
                    "link": _staff_link(assessment),
                }
                for assessment in overdue
            ]
            for staff in users_with_role(Role.STAFF):
                if staff.pk in already:
                    continue
                notify(staff, DIGEST_EVENT, link=link, rows=rows, count=len(rows), week=week)
                sent += 1
    return sent
