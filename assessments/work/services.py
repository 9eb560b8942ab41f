"""Write side of the manager's workspace: the visit log and the SME's answer to each
visit, the findings, recommendations, project outline and summary saved as a draft
(section by section, or all at once by the page's autosave), and the submission.

The manager writes while the assessment is accepted or in progress; the first visit
or the first piece of the report moves it to in progress. Every write locks the
assessment row first, so an autosave and a section save of the same page are applied
one after the other and the allowance check counts every visit."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import (
    Assessment,
    AssessmentStatus,
    DurationUnit,
    Finding,
    Level,
    ProjectOutline,
    Rating,
    Recommendation,
    Visit,
    VisitConfirmation,
    VisitMode,
)
from assessments.services import _check_assessment_move, _locked_assessment, _members
from assessments.work import queries
from assessments.work.rules import ANSWERABLE_STATUSES, WRITABLE_STATUSES, is_company_member
from programme import audit
from programme.models import User
from programme.notifications import absolute_url, notify
from programme.queries import users_with_role
from programme.reference import AssessmentArea
from programme.roles import Role
from programme.rules import is_manager, is_sme_member

FINDING_FIELDS = ("current_level", "target_level", "evidence", "strengths", "gaps")
RECOMMENDATION_FIELDS = (
    "title",
    "dimension",
    "description",
    "priority",
    "impact",
    "effort",
    "horizon_months",
)
OUTLINE_FIELDS = ("title", "objectives", "dimensions", "estimated_cost", "duration_months")
# One visit is one day's work: longer work is logged as several visits, so each day can be confirmed.
MAX_VISIT_HOURS = Decimal("10")
MAX_VISIT_HALF_DAYS = Decimal("2")
DURATION_STEP = Decimal("0.5")


# Checks shared by the services -----------------------------------------------------


def _require_assigned_manager(locked: Assessment, by: User) -> None:
    if not (is_manager(by) and locked.manager.user_id == by.pk):
        raise PermissionDenied


def _require_writable(locked: Assessment) -> None:
    if locked.status not in WRITABLE_STATUSES:
        raise ValidationError(
            _("This assessment is %(status)s: its work can no longer be changed.")
            % {"status": locked.get_status_display()}
        )


def _locked_for_writing(assessment: Assessment, by: User) -> Assessment:
    locked = _locked_assessment(assessment)
    _require_assigned_manager(locked, by)
    _require_writable(locked)
    return locked


def _start(locked: Assessment, *, by: User) -> None:
    """The first visit or the first piece of the report: the work is under way."""
    if locked.status != AssessmentStatus.ACCEPTED:
        return
    _check_assessment_move(locked, AssessmentStatus.IN_PROGRESS)
    locked.status = AssessmentStatus.IN_PROGRESS
    locked.started_at = timezone.now()
    locked.save(update_fields=["status", "started_at", "updated_at"])
    audit.record(
        obj=locked,
        actor=by,
        action="started",
        from_status=AssessmentStatus.ACCEPTED,
        to_status=AssessmentStatus.IN_PROGRESS,
        programme=locked.programme,
    )


def _workspace_link(assessment: Assessment) -> str:
    return absolute_url(reverse("work:workspace", args=[assessment.pk]))


def _is_filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str | list | tuple):
        return bool(value)
    return True


# The visit log -----------------------------------------------------------------------


def _visit_errors(
    locked: Assessment,
    *,
    held_on: datetime.date,
    duration_unit: str,
    duration: Decimal,
    mode: str,
    preparation_hours: Decimal,
    over_allowance_reason: str,
    excluding_visit: int | None,
) -> dict[str, str]:
    """What is wrong with a visit as logged, by field; empty when it may be saved."""
    errors: dict[str, str] = {}
    if held_on > timezone.localdate():
        errors["held_on"] = _("A visit is logged once it has taken place.")
    elif locked.accepted_at and held_on < timezone.localdate(locked.accepted_at):
        errors["held_on"] = _("This date is before you accepted the company (%(date)s).") % {
            "date": timezone.localdate(locked.accepted_at).strftime("%d/%m/%Y")
        }
    if duration_unit not in DurationUnit.values:
        errors["duration_unit"] = _("Choose hours or half days.")
    elif duration is None or duration <= 0 or duration % DURATION_STEP:
        errors["duration"] = _("Give the duration in steps of half an hour or half a day.")
    elif duration_unit == DurationUnit.HOURS and duration > MAX_VISIT_HOURS:
        errors["duration"] = _(
            "At most %(hours)s hours in one visit: log a longer stay as one visit a day."
        ) % {"hours": MAX_VISIT_HOURS}
    elif duration_unit == DurationUnit.HALF_DAYS and duration > MAX_VISIT_HALF_DAYS:
        errors["duration"] = _("At most two half days in one visit: log a longer stay as one visit a day.")
    if mode not in VisitMode.values:
        errors["mode"] = _("Say whether the visit was on site or remote.")
    if preparation_hours is None or preparation_hours < 0:
        errors["preparation_hours"] = _("Preparation time cannot be negative.")
    if not errors:
        days = Visit(duration_unit=duration_unit, duration=duration).days
        total = queries.days_used(locked, excluding_visit=excluding_visit) + days
        allowance = locked.programme.support_days
        if total > allowance and not over_allowance_reason.strip():
            errors["over_allowance_reason"] = _(
                "With this visit the support reaches %(total)s days of the %(allowance)s allowed: "
                "say why the programme should count the extra time."
            ) % {"total": f"{total.normalize():f}", "allowance": allowance}
    return errors


def _notify_members_of_visit(locked: Assessment, visit: Visit, *, changed: bool) -> None:
    for member in _members(locked.application):
        notify(
            member,
            "work_visit_recorded",
            link=absolute_url(reverse("work:sme_visits")),
            manager=locked.manager.user,
            company=locked.application.company.legal_name,
            held_on=visit.held_on,
            days=visit.days.normalize(),
            changed=changed,
        )


@transaction.atomic
def visit_record(
    *,
    assessment: Assessment,
    held_on: datetime.date,
    duration_unit: str,
    duration: Decimal,
    mode: str = VisitMode.ON_SITE,
    participants: str = "",
    preparation_hours: Decimal = Decimal("0"),
    notes: str = "",
    over_allowance_reason: str = "",
    by: User,
) -> Visit:
    """The manager logs a visit; the SME's members are asked to confirm it. Past the
    programme's allowance of support days the manager must say why."""
    locked = _locked_for_writing(assessment, by)
    errors = _visit_errors(
        locked,
        held_on=held_on,
        duration_unit=duration_unit,
        duration=duration,
        mode=mode,
        preparation_hours=preparation_hours,
        over_allowance_reason=over_allowance_reason,
        excluding_visit=None,
    )
    if errors:
        raise ValidationError(errors)
    visit = Visit.objects.create(
        assessment=locked,
        held_on=held_on,
        duration_unit=duration_unit,
        duration=duration,
        mode=mode,
        participants=participants.strip(),
        preparation_hours=preparation_hours,
        notes=notes.strip(),
        over_allowance_reason=over_allowance_reason.strip(),
        recorded_by=by,
    )
    _start(locked, by=by)
    audit.record(
        obj=locked,
        actor=by,
        action="visit_recorded",
        reason=visit.over_allowance_reason,
        programme=locked.programme,
        data={"visit": visit.pk, "held_on": held_on.isoformat(), "days": str(visit.days)},
    )
    _notify_members_of_visit(locked, visit, changed=False)
    return visit


def _locked_visit(visit: Visit, by: User) -> tuple[Assessment, Visit]:
    # The assessment first, then the visit: every writer takes the locks in this order.
    locked = _locked_for_writing(visit.assessment, by)
    return locked, Visit.objects.select_for_update().get(pk=visit.pk)


@transaction.atomic
def visit_update(
    *,
    visit: Visit,
    held_on: datetime.date,
    duration_unit: str,
    duration: Decimal,
    mode: str = VisitMode.ON_SITE,
    participants: str = "",
    preparation_hours: Decimal = Decimal("0"),
    notes: str = "",
    over_allowance_reason: str = "",
    by: User,
) -> Visit:
    """The manager corrects a visit. If the date, length or way of the visit changes, the
    SME's earlier answer no longer holds: it is asked again."""
    locked, current = _locked_visit(visit, by)
    errors = _visit_errors(
        locked,
        held_on=held_on,
        duration_unit=duration_unit,
        duration=duration,
        mode=mode,
        preparation_hours=preparation_hours,
        over_allowance_reason=over_allowance_reason,
        excluding_visit=current.pk,
    )
    if errors:
        raise ValidationError(errors)
    counted_before = (current.held_on, current.duration_unit, current.duration, current.mode)
    current.held_on = held_on
    current.duration_unit = duration_unit
    current.duration = duration
    current.mode = mode
    current.participants = participants.strip()
    current.preparation_hours = preparation_hours
    current.notes = notes.strip()
    current.over_allowance_reason = over_allowance_reason.strip()
    counted_changed = counted_before != (held_on, duration_unit, current.duration, mode)
    ask_again = counted_changed and current.confirmation != VisitConfirmation.PENDING
    if ask_again:
        current.confirmation = VisitConfirmation.PENDING
        current.answered_by = None
        current.answered_at = None
    current.save()
    audit.record(
        obj=locked,
        actor=by,
        action="visit_changed",
        reason=current.over_allowance_reason,
        programme=locked.programme,
        data={"visit": current.pk, "held_on": held_on.isoformat(), "days": str(current.days)},
    )
    if counted_changed:
        _notify_members_of_visit(locked, current, changed=True)
    return current


@transaction.atomic
def visit_delete(*, visit: Visit, by: User) -> None:
    """The manager removes a visit logged by mistake. A visit the SME confirmed stays:
    the free days it used are on record for the audit of the programme."""
    locked, current = _locked_visit(visit, by)
    if current.confirmation == VisitConfirmation.CONFIRMED:
        raise ValidationError(_("The SME confirmed this visit: correct it instead of deleting it."))
    audit.record(
        obj=locked,
        actor=by,
        action="visit_deleted",
        programme=locked.programme,
        data={"visit": current.pk, "held_on": current.held_on.isoformat(), "days": str(current.days)},
    )
    current.delete()


@transaction.atomic
def visit_answer(*, visit: Visit, confirmed: bool, comment: str = "", by: User) -> Visit:
    """A member of the SME confirms a visit, or disputes it saying why (staff and the
    manager read the comment). An answer may be changed while the assessment is open."""
    locked = _locked_assessment(visit.assessment)
    if not (is_sme_member(by) and is_company_member(by, locked)):
        raise PermissionDenied
    if locked.status not in ANSWERABLE_STATUSES:
        raise ValidationError(
            _("This assessment is %(status)s: its visits can no longer be answered.")
            % {"status": locked.get_status_display()}
        )
    current = Visit.objects.select_for_update().get(pk=visit.pk)
    comment = comment.strip()
    if not confirmed and not comment:
        raise ValidationError({"comment": _("Tell the manager and staff what is wrong with this visit.")})
    current.confirmation = VisitConfirmation.CONFIRMED if confirmed else VisitConfirmation.DISPUTED
    current.sme_comment = comment
    current.answered_by = by
    current.answered_at = timezone.now()
    current.save(update_fields=["confirmation", "sme_comment", "answered_by", "answered_at", "updated_at"])
    audit.record(
        obj=locked,
        actor=by,
        action="visit_confirmed" if confirmed else "visit_disputed",
        reason=comment,
        programme=locked.programme,
        data={"visit": current.pk, "held_on": current.held_on.isoformat()},
    )
    if not confirmed:
        notify(
            locked.manager.user,
            "work_visit_disputed",
            link=_workspace_link(locked),
            company=locked.application.company.legal_name,
            held_on=current.held_on,
            comment=comment,
            member=by,
        )
    return current


# The draft: findings, recommendations, outline, summary --------------------------------


SectionErrors = dict[str, dict[str, list[str]]]


@dataclass
class DraftResult:
    """What a save did: when it was saved, and each section's fields that were refused
    (everything else was saved)."""

    saved_at: datetime.datetime | None
    errors: SectionErrors = field(default_factory=dict)
    stored: list[str] = field(default_factory=list)


def _level_error(value: Any) -> str | None:
    if value is not None and value not in Level.values:
        return _("Choose a level from 0 to 5.")
    return None


def _choice_error(choices: list[str]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in choices else _("Choose one of the options offered.")

    return check


def _required(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else _("This field is required.")


def _months(value: Any) -> str | None:
    if value is None:
        return None
    return None if 1 <= value <= 60 else _("Give a number of months from 1 to 60.")


def _cost(value: Any) -> str | None:
    if value is None:
        return None
    return None if value >= 0 else _("The cost cannot be negative.")


def _dimensions(value: Any) -> str | None:
    return (
        None if all(item in AssessmentArea.values for item in value) else _("Choose dimensions of the model.")
    )


RECOMMENDATION_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "title": _required,
    "dimension": _choice_error(AssessmentArea.values),
    "priority": _choice_error(Rating.values),
    "impact": _choice_error(Rating.values),
    "effort": _choice_error(Rating.values),
    "horizon_months": lambda value: (
        _("Give a number of months from 1 to 60.") if value is None else _months(value)
    ),
}
OUTLINE_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "estimated_cost": _cost,
    "duration_months": _months,
    "dimensions": _dimensions,
}


def _apply(
    obj: Any,
    changes: Mapping[str, Any],
    *,
    allowed: tuple[str, ...],
    checks: Mapping[str, Callable[[Any], str | None]],
) -> tuple[list[str], dict[str, list[str]]]:
    """Set the fields that pass their check; return the fields set and the refused ones."""
    changed: list[str] = []
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        if name not in allowed:
            continue
        if isinstance(value, str):
            value = value.strip()
        check = checks.get(name)
        message = check(value) if check else None
        if message:
            errors[name] = [message]
            continue
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed, errors


def _save_finding(
    locked: Assessment, dimension: str, changes: Mapping[str, Any]
) -> tuple[bool, dict[str, list[str]]]:
    if dimension not in AssessmentArea.values:
        return False, {"__all__": [_("This is not a dimension of the model.")]}
    finding = Finding.objects.select_for_update().filter(
        assessment=locked, dimension=dimension
    ).first() or Finding(assessment=locked, dimension=dimension)
    before = {"current_level": finding.current_level, "target_level": finding.target_level}
    changed, errors = _apply(
        finding,
        changes,
        allowed=FINDING_FIELDS,
        checks={"current_level": _level_error, "target_level": _level_error},
    )
    if (
        finding.current_level is not None
        and finding.target_level is not None
        and finding.target_level < finding.current_level
    ):
        # The pair is wrong, not the text: keep the levels as they were and save the rest.
        errors["target_level"] = [_("The target level cannot be below the current level.")]
        for name, value in before.items():
            setattr(finding, name, value)
        changed = [name for name in changed if name not in before]
    if not changed:
        return False, errors
    if finding.pk is None and not any(_is_filled(getattr(finding, name)) for name in FINDING_FIELDS):
        return False, errors
    finding.save()
    return True, errors


def _save_recommendation(
    locked: Assessment, recommendation_id: int, changes: Mapping[str, Any]
) -> tuple[bool, dict[str, list[str]]]:
    recommendation = (
        Recommendation.objects.select_for_update().filter(assessment=locked, pk=recommendation_id).first()
    )
    if recommendation is None:
        return False, {"__all__": [_("This recommendation was deleted.")]}
    changed, errors = _apply(
        recommendation, changes, allowed=RECOMMENDATION_FIELDS, checks=RECOMMENDATION_CHECKS
    )
    if changed:
        recommendation.save(update_fields=changed)
    return bool(changed), errors


def _save_outline(locked: Assessment, changes: Mapping[str, Any]) -> tuple[bool, dict[str, list[str]]]:
    outline = ProjectOutline.objects.select_for_update().filter(assessment=locked).first()
    current = outline or ProjectOutline(assessment=locked, title="")
    changed, errors = _apply(current, changes, allowed=OUTLINE_FIELDS, checks=OUTLINE_CHECKS)
    filled = [name for name in OUTLINE_FIELDS if _is_filled(getattr(current, name))]
    if not filled:
        # An outline emptied of everything is no outline: the SME wants none.
        if outline is not None:
            outline.delete()
            return True, errors
        return False, errors
    if not current.title:
        errors.setdefault("title", []).append(_("Give the project a title."))
    if changed:
        current.save()
    return bool(changed), errors


@transaction.atomic
def draft_save(
    *,
    assessment: Assessment,
    findings: Mapping[str, Mapping[str, Any]] | None = None,
    recommendations: Mapping[int, Mapping[str, Any]] | None = None,
    outline: Mapping[str, Any] | None = None,
    summary: str | None = None,
    by: User,
) -> DraftResult:
    """Save the parts of the report that were sent, each on its own: a refused field is
    reported and leaves every other field (of its section and of the others) saved.

    Used by each section's save button and by the page's autosave, which sends every
    section that changed. Errors are keyed by section: `finding-<dimension>`,
    `recommendation-<id>`, `outline`, `summary`."""
    locked = _locked_for_writing(assessment, by)
    result = DraftResult(saved_at=None)
    parts: list[tuple[str, Callable[[], tuple[bool, dict[str, list[str]]]]]] = []
    for dimension, changes in (findings or {}).items():
        parts.append((f"finding-{dimension}", lambda d=dimension, c=changes: _save_finding(locked, d, c)))
    for recommendation_id, changes in (recommendations or {}).items():
        parts.append(
            (
                f"recommendation-{recommendation_id}",
                lambda r=recommendation_id, c=changes: _save_recommendation(locked, r, c),
            )
        )
    if outline is not None:
        parts.append(("outline", lambda: _save_outline(locked, outline)))
    for key, save in parts:
        try:
            # A savepoint each, so a section the database refuses leaves the others saved.
            with transaction.atomic():
                stored, errors = save()
        except DatabaseError:
            stored, errors = False, {"__all__": [_("This section could not be saved: check its values.")]}
        if stored:
            result.stored.append(key)
        if errors:
            result.errors[key] = errors
    update_fields = ["draft_saved_at", "updated_at"]
    if summary is not None and summary.strip() != locked.summary:
        locked.summary = summary.strip()
        update_fields.append("summary")
        result.stored.append("summary")
    if result.stored:
        _start(locked, by=by)
    locked.draft_saved_at = result.saved_at = timezone.now()
    locked.save(update_fields=update_fields)
    return result


@transaction.atomic
def recommendation_add(
    *,
    assessment: Assessment,
    title: str,
    dimension: str,
    description: str = "",
    priority: str = Rating.MEDIUM,
    impact: str = Rating.MEDIUM,
    effort: str = Rating.MEDIUM,
    horizon_months: int = 6,
    by: User,
) -> Recommendation:
    """The manager adds a recommendation at the end of the list."""
    locked = _locked_for_writing(assessment, by)
    recommendation = Recommendation(assessment=locked, position=0)
    _changed, errors = _apply(
        recommendation,
        {
            "title": title,
            "dimension": dimension,
            "description": description,
            "priority": priority,
            "impact": impact,
            "effort": effort,
            "horizon_months": horizon_months,
        },
        allowed=RECOMMENDATION_FIELDS,
        checks=RECOMMENDATION_CHECKS,
    )
    if errors:
        raise ValidationError({name: messages[0] for name, messages in errors.items()})
    last = locked.recommendations.aggregate(last=Max("position"))["last"]
    recommendation.position = 0 if last is None else last + 1
    recommendation.save()
    _start(locked, by=by)
    locked.draft_saved_at = timezone.now()
    locked.save(update_fields=["draft_saved_at", "updated_at"])
    return recommendation


def _locked_recommendation(recommendation: Recommendation, by: User) -> tuple[Assessment, Recommendation]:
    locked = _locked_for_writing(recommendation.assessment, by)
    return locked, Recommendation.objects.select_for_update().get(pk=recommendation.pk)


@transaction.atomic
def recommendation_delete(*, recommendation: Recommendation, by: User) -> None:
    locked, current = _locked_recommendation(recommendation, by)
    audit.record(
        obj=locked,
        actor=by,
        action="recommendation_deleted",
        programme=locked.programme,
        data={"title": current.title, "dimension": current.dimension},
    )
    current.delete()
    _renumber(locked, [item.pk for item in locked.recommendations.order_by("position", "id")])


def _renumber(locked: Assessment, order: list[int]) -> None:
    rows = {row.pk: row for row in locked.recommendations.select_for_update()}
    for position, pk in enumerate(order):
        rows[pk].position = position
    Recommendation.objects.bulk_update(rows.values(), ["position"])


@transaction.atomic
def recommendation_move(
    *, recommendation: Recommendation, direction: Literal["up", "down"], by: User
) -> Recommendation:
    """The manager moves a recommendation one place up or down (the list is the
    report's order of priority)."""
    locked, current = _locked_recommendation(recommendation, by)
    order = list(locked.recommendations.order_by("position", "id").values_list("pk", flat=True))
    index = order.index(current.pk)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
    _renumber(locked, order)
    locked.draft_saved_at = timezone.now()
    locked.save(update_fields=["draft_saved_at", "updated_at"])
    current.refresh_from_db()
    return current


# Submission --------------------------------------------------------------------------


@transaction.atomic
def assessment_submit(*, assessment: Assessment, by: User) -> Assessment:
    """The manager submits the report for staff to validate: every dimension scored and
    at least three recommendations, or the refusal says what is missing."""
    locked = _locked_assessment(assessment)
    _require_assigned_manager(locked, by)
    missing = queries.missing_for_submission(
        list(locked.findings.all()),
        locked.recommendations.count(),
        ProjectOutline.objects.filter(assessment=locked).first(),
    )
    if missing:
        raise ValidationError(missing.messages)
    _check_assessment_move(locked, AssessmentStatus.SUBMITTED)
    previous = locked.status
    locked.status = AssessmentStatus.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["status", "submitted_at", "updated_at"])
    audit.record(
        obj=locked,
        actor=by,
        action="submitted",
        from_status=previous,
        to_status=AssessmentStatus.SUBMITTED,
        programme=locked.programme,
    )
    for staff in users_with_role(Role.STAFF):
        notify(
            staff,
            "work_report_submitted",
            link=absolute_url(reverse("review:detail", args=[locked.pk])),
            company=locked.application.company.legal_name,
            manager=locked.manager.user,
            resubmitted=locked.returned_at is not None,
        )
    return locked
