"""Write side of the manager pool: one function per use case, each atomic, checking the
permission and the move, locking the manager's row, auditing and notifying."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import partial
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from managers import checks, merit, queries
from managers.models import (
    MAX_CAPACITY,
    CompetenceRating,
    Manager,
    ManagerStatus,
    MeritReview,
    ReviewConflict,
    SectorExperience,
    UnavailabilityPeriod,
    can_move,
    protected_storage,
)
from managers.rules import (
    can_decide,
    can_edit_profile,
    can_leave_pool,
    can_read_cv,
    can_review,
    can_set_unavailability,
    can_submit_application,
)
from programme import audit
from programme.models import Programme, User
from programme.notifications import absolute_url, notify
from programme.queries import users_with_role
from programme.reference import AssessmentArea, divisions, sections
from programme.roles import Role
from programme.rules import is_manager, is_programme_staff

# Profile fields a manager sets through profile_save; everything else is moved by services.
PROFILE_FIELDS = (
    "phone",
    "city",
    "home_province",
    "linkedin_url",
    "aldai_number",
    "employment_situation",
    "years_of_experience",
    "roles_held",
    "career_summary",
    "languages",
    "provinces",
    "capacity",
    "available_from",
    "availability_notes",
    "declared_vat_numbers",
)


@dataclass(frozen=True)
class SectorRow:
    section: str
    division: str
    years: int


def _locked(manager: Manager) -> Manager:
    return (
        Manager.objects.select_related("user", "programme").select_for_update(of=("self",)).get(pk=manager.pk)
    )


def _move(manager: Manager, target: str) -> str:
    """Check the move is allowed and make it in memory; returns the status it came from."""
    if not can_move(manager.status, target):
        raise ValidationError(
            {
                "status": _("A manager cannot go from “%(from)s” to “%(to)s”.")
                % {"from": manager.get_status_display(), "to": ManagerStatus(target).label}
            }
        )
    previous = manager.status
    manager.status = target
    return previous


def _draft_for(*, programme: Programme, user: User) -> Manager:
    """The user's row in the programme's pool, created as a draft the first time, and locked."""
    manager, _created = Manager.objects.get_or_create(programme=programme, user=user)
    return _locked(manager)


def _refuse_conflicted(manager: Manager, by: User) -> None:
    if ReviewConflict.objects.filter(manager=manager, reviewer=by).exists():
        raise PermissionDenied(_("You declared a conflict of interest with this manager."))


def _check_sectors(rows: list[SectorRow]) -> None:
    known_sections = {code for code, _title in sections()}
    section_of_division = {code: section for code, _title, section in divisions()}
    seen: set[tuple[str, str]] = set()
    for row in rows:
        if row.section not in known_sections:
            raise ValidationError({"sectors": _("%(code)s is not an ATECO section.") % {"code": row.section}})
        if row.division and section_of_division.get(row.division) != row.section:
            raise ValidationError(
                {
                    "sectors": _("Division %(division)s is not part of section %(section)s.")
                    % {"division": row.division, "section": row.section}
                }
            )
        if not 1 <= row.years <= 60:
            raise ValidationError({"sectors": _("Years in a sector go from 1 to 60.")})
        if (row.section, row.division) in seen:
            raise ValidationError({"sectors": _("Each sector may be listed once.")})
        seen.add((row.section, row.division))


@transaction.atomic
def profile_save(
    *,
    programme: Programme,
    by: User,
    details: dict[str, Any],
    first_name: str,
    last_name: str,
    sectors: list[SectorRow],
    competences: dict[str, int],
) -> Manager:
    """The manager saves their profile as a draft (or keeps it current once applied).
    Nothing here is required yet: completeness is checked when they submit."""
    if not is_manager(by):
        raise PermissionDenied
    manager = _draft_for(programme=programme, user=by)
    if not can_edit_profile(by, manager):
        raise PermissionDenied(_("This profile can no longer be changed."))
    unknown = set(details) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    errors: dict[str, str] = {}
    capacity = details.get("capacity", manager.capacity)
    if not 1 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = _("Choose from 1 to 3 SMEs.")
    elif capacity < manager.open_assessments:
        errors["capacity"] = _("You follow %(count)s SMEs now: your capacity cannot be lower than that.") % {
            "count": manager.open_assessments
        }
    vat_numbers, invalid = checks.normalise_vat_numbers(list(details.get("declared_vat_numbers", [])))
    if invalid:
        errors["declared_vat_numbers"] = _("These are not valid Italian VAT numbers: %(numbers)s") % {
            "numbers": ", ".join(invalid)
        }
    for area, level in competences.items():
        if area not in AssessmentArea.values or not 0 <= level <= 5:
            errors["competences"] = _("Rate each area from 0 to 5.")
    if errors:
        raise ValidationError(errors)
    _check_sectors(sectors)

    for field, value in details.items():
        setattr(manager, field, value)
    manager.declared_vat_numbers = vat_numbers
    manager.save(update_fields=[*details.keys(), "updated_at"])
    if (by.first_name, by.last_name) != (first_name, last_name):
        by.first_name, by.last_name = first_name, last_name
        by.save(update_fields=["first_name", "last_name"])
    manager.sector_experiences.all().delete()
    SectorExperience.objects.bulk_create(
        SectorExperience(manager=manager, section=row.section, division=row.division, years=row.years)
        for row in sectors
    )
    manager.competences.all().delete()
    CompetenceRating.objects.bulk_create(
        CompetenceRating(manager=manager, area=area, level=level) for area, level in competences.items()
    )
    if manager.status != ManagerStatus.DRAFT:
        # Once submitted, a profile may change but not lose what made it complete:
        # staff selected it, and matching reads it.
        missing = queries.missing_for_application(manager)
        if missing:
            raise ValidationError(
                [_("Your application is submitted, so your profile must stay complete. Add:")]
                + [str(item) for item in missing]
            )
    return manager


# Lazy: read in the language of the person who uploads, not the one active at import.
CV_MESSAGES = {
    "empty": gettext_lazy("The file is empty. Choose your CV as a PDF file."),
    "too_large": gettext_lazy(
        "The file is larger than 5 MB. Save a lighter PDF (fewer images, lower resolution)."
    ),
    "not_pdf": gettext_lazy(
        "This file is not a PDF, whatever its name says. Export your CV as PDF and upload that."
    ),
    "encrypted": gettext_lazy(
        "The PDF is protected by a password, so staff could not read it. Upload it without one."
    ),
    "unreadable": gettext_lazy(
        "The PDF is damaged and cannot be read. Export it again and upload the new file."
    ),
}


@transaction.atomic
def cv_upload(*, programme: Programme, by: User, file: IO[bytes], size: int, name: str) -> Manager:
    """The manager uploads their CV: checked by its content, stored under a generated
    name outside the public media folder; a CV it replaces is deleted after commit."""
    if not is_manager(by):
        raise PermissionDenied
    try:
        checks.check_cv(file, size)
    except checks.BadFile as refused:
        raise ValidationError({"cv": str(CV_MESSAGES[refused.code])}) from None
    manager = _draft_for(programme=programme, user=by)
    if not can_edit_profile(by, manager):
        raise PermissionDenied(_("This profile can no longer be changed."))
    previous = manager.cv.name
    manager.cv.save("cv.pdf", file, save=False)
    manager.cv_original_name = (name or "cv.pdf")[:255]
    manager.cv_size = size
    manager.cv_uploaded_at = timezone.now()
    manager.save(update_fields=["cv", "cv_original_name", "cv_size", "cv_uploaded_at", "updated_at"])
    if previous:
        transaction.on_commit(partial(protected_storage().delete, previous))
    audit.record(obj=manager, actor=by, action="cv_uploaded", programme=programme, data={"size": size})
    return manager


def cv_open(*, manager: Manager, by: User) -> IO[bytes]:
    """Open the manager's CV for reading, for the manager themselves or staff."""
    if not can_read_cv(by, manager):
        raise PermissionDenied
    return manager.cv.open("rb")


@transaction.atomic
def manager_apply(*, manager: Manager, by: User, truthful_declaration: bool) -> Manager:
    """The manager submits a complete profile to the pool; staff then review it on merit."""
    manager = _locked(manager)
    if not can_submit_application(by, manager):
        raise PermissionDenied
    if not truthful_declaration:
        raise ValidationError(
            {"truthful_declaration": _("Confirm that what you declared is true to submit.")}
        )
    missing = queries.missing_for_application(manager)
    if missing:
        raise ValidationError({"__all__": [str(item) for item in missing]})
    previous = _move(manager, ManagerStatus.APPLIED)
    manager.applied_at = manager.truthful_declaration_at = timezone.now()
    manager.save(update_fields=["status", "applied_at", "truthful_declaration_at", "updated_at"])
    audit.record(
        obj=manager,
        actor=by,
        action="applied",
        from_status=previous,
        to_status=manager.status,
        programme=manager.programme,
    )
    notify(
        manager.user,
        "manager_application_received",
        link=absolute_url(reverse("home:manager")),
        programme=manager.programme,
    )
    return manager


def _recompute_merit(manager: Manager) -> None:
    scores = MeritReview.objects.filter(manager=manager).values_list("weighted_score", flat=True)
    manager.merit_score = merit.combined_score(scores)
    manager.save(update_fields=["merit_score", "updated_at"])


@transaction.atomic
def review_save(*, manager: Manager, by: User, scores: dict[str, int], notes: dict[str, str]) -> MeritReview:
    """A staff member scores a manager on the rubric. The weighted score comes from the
    programme's weights and the manager's merit score is the mean of the reviews'."""
    manager = _locked(manager)
    if not is_programme_staff(by):
        raise PermissionDenied
    if manager.user_id == by.pk:
        raise PermissionDenied(_("Nobody reviews their own application."))
    _refuse_conflicted(manager, by)
    if not can_review(by, manager):
        raise ValidationError(
            {"status": _("A manager is reviewed once they have applied, and until they leave the pool.")}
        )
    weights = {key: float(manager.programme.merit_weights.get(key, 0)) for key in merit.CRITERIA_KEYS}
    try:
        score = merit.weighted_score(scores, weights)
    except ValueError as error:
        raise ValidationError(_("Score every criterion from 0 to 5.")) from error
    values: dict[str, Any] = {key: scores[key] for key in merit.CRITERIA_KEYS}
    values.update({f"{key}_notes": notes.get(key, "").strip() for key in merit.CRITERIA_KEYS})
    review, created = MeritReview.objects.update_or_create(
        manager=manager, reviewer=by, defaults={**values, "weighted_score": score, "weights": weights}
    )
    previous_score = manager.merit_score
    _recompute_merit(manager)
    audit.record(
        obj=manager,
        actor=by,
        action="merit_reviewed" if created else "merit_review_changed",
        programme=manager.programme,
        data={
            "scores": {key: scores[key] for key in merit.CRITERIA_KEYS},
            "weighted_score": str(score),
            "merit_score": {"from": str(previous_score), "to": str(manager.merit_score)},
        },
    )
    return review


@transaction.atomic
def review_conflict_declare(*, manager: Manager, by: User, note: str) -> ReviewConflict:
    """A staff member declares a conflict of interest with a manager: from now on they
    neither review nor decide on them, and a review they already gave is withdrawn."""
    manager = _locked(manager)
    if not is_programme_staff(by):
        raise PermissionDenied
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say what the conflict is (a former colleague, a relative...).")})
    conflict, created = ReviewConflict.objects.get_or_create(
        manager=manager, reviewer=by, defaults={"note": note}
    )
    if not created:
        raise ValidationError({"note": _("You have already declared a conflict with this manager.")})
    withdrawn, _deleted = MeritReview.objects.filter(manager=manager, reviewer=by).delete()
    if withdrawn:
        _recompute_merit(manager)
    audit.record(
        obj=manager,
        actor=by,
        action="conflict_declared",
        reason=note,
        programme=manager.programme,
        data={"review_withdrawn": bool(withdrawn)},
    )
    return conflict


@transaction.atomic
def merit_scores_recompute(*, programme: Programme, by: User) -> int:
    """After staff change the merit weights: every review's weighted score and every
    manager's merit score again, with the weights now in force. Returns the reviews redone."""
    if not is_programme_staff(by):
        raise PermissionDenied
    programme = Programme.objects.get(pk=programme.pk)
    weights = {key: float(programme.merit_weights.get(key, 0)) for key in merit.CRITERIA_KEYS}
    # Locked in one order (by id) so two recomputations cannot deadlock each other.
    managers = list(
        Manager.objects.select_for_update()
        .filter(programme=programme, pk__in=MeritReview.objects.values("manager_id"))
        .order_by("pk")
    )
    reviews = list(MeritReview.objects.filter(manager__programme=programme))
    for review in reviews:
        review.weighted_score = merit.weighted_score(review.scores(), weights)
        review.weights = weights
    MeritReview.objects.bulk_update(reviews, ["weighted_score", "weights"])
    for manager in managers:
        _recompute_merit(manager)
    audit.record(
        obj=programme,
        actor=by,
        action="merit_scores_recomputed",
        programme=programme,
        data={"weights": weights, "reviews": len(reviews)},
    )
    return len(reviews)


def _decide(
    *,
    manager: Manager,
    by: User,
    expected: str,
    target: str,
    reason: str,
    event: str,
    action: str,
    needs_review: bool = False,
) -> Manager:
    manager = _locked(manager)
    if not is_programme_staff(by):
        raise PermissionDenied
    if manager.user_id == by.pk:
        raise PermissionDenied(_("Nobody decides on their own application."))
    if not can_decide(by, manager):
        raise PermissionDenied
    _refuse_conflicted(manager, by)
    if manager.status != expected:
        # The transitions allow more than one way into a status (applied or suspended
        # to selected): each decision accepts only the one it names.
        raise ValidationError(
            {
                "status": _("This decision is for a manager who is “%(expected)s”; this one is “%(status)s”.")
                % {"expected": ManagerStatus(expected).label, "status": manager.get_status_display()}
            }
        )
    if needs_review and not MeritReview.objects.filter(manager=manager).exists():
        raise ValidationError({"status": _("Review the manager on merit before deciding.")})
    previous = _move(manager, target)
    manager.decision_reason = reason.strip()
    manager.decided_at = timezone.now()
    manager.save(update_fields=["status", "decision_reason", "decided_at", "updated_at"])
    audit.record(
        obj=manager,
        actor=by,
        action=action,
        from_status=previous,
        to_status=target,
        reason=manager.decision_reason,
        programme=manager.programme,
    )
    notify(
        manager.user,
        event,
        link=absolute_url(reverse("home:manager")),
        reason=manager.decision_reason,
        programme=manager.programme,
    )
    return manager


def _require_reason(reason: str, message: str) -> None:
    if not reason.strip():
        raise ValidationError({"reason": message})


@transaction.atomic
def manager_select(*, manager: Manager, by: User, reason: str = "") -> Manager:
    """Staff select an applicant on merit: they join the pool and may be proposed SMEs."""
    return _decide(
        manager=manager,
        by=by,
        expected=ManagerStatus.APPLIED,
        target=ManagerStatus.SELECTED,
        reason=reason,
        event="manager_selected",
        action="selected",
        needs_review=True,
    )


@transaction.atomic
def manager_not_select(*, manager: Manager, by: User, reason: str) -> Manager:
    """Staff do not select an applicant; the manager reads the reason."""
    _require_reason(reason, _("Tell the manager why they are not selected."))
    return _decide(
        manager=manager,
        by=by,
        expected=ManagerStatus.APPLIED,
        target=ManagerStatus.NOT_SELECTED,
        reason=reason,
        event="manager_not_selected",
        action="not_selected",
        needs_review=True,
    )


@transaction.atomic
def manager_suspend(*, manager: Manager, by: User, reason: str) -> Manager:
    """Staff suspend a selected manager: no new SMEs until reinstated."""
    _require_reason(reason, _("Tell the manager why they are suspended."))
    return _decide(
        manager=manager,
        by=by,
        expected=ManagerStatus.SELECTED,
        target=ManagerStatus.SUSPENDED,
        reason=reason,
        event="manager_suspended",
        action="suspended",
    )


@transaction.atomic
def manager_reinstate(*, manager: Manager, by: User, reason: str = "") -> Manager:
    """Staff reinstate a suspended manager into the pool."""
    return _decide(
        manager=manager,
        by=by,
        expected=ManagerStatus.SUSPENDED,
        target=ManagerStatus.SELECTED,
        reason=reason,
        event="manager_reinstated",
        action="reinstated",
    )


@transaction.atomic
def manager_leave(*, manager: Manager, by: User, reason: str = "") -> Manager:
    """A selected (or suspended) manager leaves the pool, for example on finding a job.
    They get no new SMEs; staff are told, so that open assessments can be reassigned."""
    manager = _locked(manager)
    if not can_leave_pool(by, manager):
        raise PermissionDenied
    previous = _move(manager, ManagerStatus.LEFT)
    manager.left_at = timezone.now()
    manager.save(update_fields=["status", "left_at", "updated_at"])
    audit.record(
        obj=manager,
        actor=by,
        action="left",
        from_status=previous,
        to_status=manager.status,
        reason=reason.strip(),
        programme=manager.programme,
    )
    link = absolute_url(reverse("managers:detail", args=[manager.pk]))
    for staff in users_with_role(Role.STAFF):
        notify(
            staff,
            "manager_left",
            link=link,
            manager=manager,
            reason=reason.strip(),
            open_assessments=manager.open_assessments,
        )
    return manager


@transaction.atomic
def unavailability_add(
    *, manager: Manager, by: User, starts_on: datetime.date, ends_on: datetime.date, note: str = ""
) -> UnavailabilityPeriod:
    """The manager declares days on which they take no new SMEs."""
    manager = _locked(manager)
    if not can_set_unavailability(by, manager):
        raise PermissionDenied
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The period must end on or after the day it starts.")})
    if ends_on < timezone.localdate():
        raise ValidationError({"ends_on": _("This period is already over.")})
    overlapping = manager.unavailability_periods.filter(starts_on__lte=ends_on, ends_on__gte=starts_on)
    if overlapping.exists():
        raise ValidationError({"starts_on": _("This period overlaps one you already declared.")})
    period = UnavailabilityPeriod.objects.create(
        manager=manager, starts_on=starts_on, ends_on=ends_on, note=note.strip()
    )
    audit.record(
        obj=manager,
        actor=by,
        action="unavailability_added",
        programme=manager.programme,
        data={"from": starts_on.isoformat(), "to": ends_on.isoformat()},
    )
    return period


@transaction.atomic
def unavailability_remove(*, period: UnavailabilityPeriod, by: User) -> None:
    """The manager withdraws a period they declared."""
    manager = _locked(period.manager)
    if not can_set_unavailability(by, manager):
        raise PermissionDenied
    audit.record(
        obj=manager,
        actor=by,
        action="unavailability_removed",
        programme=manager.programme,
        data={"from": period.starts_on.isoformat(), "to": period.ends_on.isoformat()},
    )
    period.delete()


def _may_move_capacity(by: User | None, manager: Manager) -> bool:
    # Staff confirm matching (taking capacity); the manager's own decline or staff's
    # cancellation gives it back; None is the portal itself (an assessment that lapses).
    return by is None or is_programme_staff(by) or manager.user_id == by.pk


@transaction.atomic
def capacity_take(*, manager: Manager, by: User | None) -> Manager:
    """One more open assessment for the manager, under a lock of their row. Refused if
    they are not in the pool or already follow as many SMEs as they can. The assessment
    services call this; the counter is not audited here because they audit the assessment."""
    locked = _locked(manager)
    if not _may_move_capacity(by, locked):
        raise PermissionDenied
    if locked.status != ManagerStatus.SELECTED:
        raise ValidationError({"manager": _("This manager is not available in the pool.")})
    if locked.open_assessments >= locked.capacity:
        raise ValidationError({"manager": _("This manager already follows as many SMEs as they can.")})
    Manager.objects.filter(pk=locked.pk).update(open_assessments=F("open_assessments") + 1)
    locked.refresh_from_db(fields=["open_assessments"])
    return locked


@transaction.atomic
def capacity_release(*, manager: Manager, by: User | None, completed: bool = False) -> Manager:
    """One open assessment fewer (declined, cancelled or completed), under a lock of the
    row; one more completed when the assessment was completed."""
    locked = _locked(manager)
    if not _may_move_capacity(by, locked):
        raise PermissionDenied
    if locked.open_assessments == 0:
        raise ValidationError({"manager": _("This manager has no open assessment to release.")})
    changes = {"open_assessments": F("open_assessments") - 1}
    if completed:
        changes["completed_assessments"] = F("completed_assessments") + 1
    Manager.objects.filter(pk=locked.pk).update(**changes)
    locked.refresh_from_db(fields=["open_assessments", "completed_assessments"])
    return locked
