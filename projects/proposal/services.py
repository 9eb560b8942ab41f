"""Write side of proposing a development project and of its eligibility for financing.

The company proposes a project from its completed assessment (one per assessment)
and writes it as a draft with the assessment's manager, step by step; the company
makes the de minimis declaration and submits it; staff complete the checklist,
score it on the programme's criteria and declare it eligible or not.

Every function locks the project row, checks the move against PROJECT_TRANSITIONS,
records the audit entry and tells people through notify(), whose e-mails leave
only after commit."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Assessment, AssessmentStatus, Recommendation
from managers.models import Manager, ManagerStatus
from programme import audit
from programme.models import User
from programme.notifications import absolute_url, notify
from programme.queries import users_with_role
from programme.roles import Role
from programme.rules import is_programme_staff
from projects import checklist
from projects.models import PROJECT_TRANSITIONS, Milestone, Project, ProjectStatus
from projects.proposal import rules
from smes.models import ApplicationStatus

# The fields each step of the draft may change; anything else is refused.
GENERAL_FIELDS = frozenset({"title", "objectives", "facilitator"})
COST_FIELDS = frozenset({"total_cost", "financing_requested", "own_share"})
MAX_MILESTONES = 12


@dataclass(frozen=True)
class MilestonePlan:
    """One step of the work plan as the company writes it."""

    title: str
    due_on: datetime.date
    tranche: Decimal
    description: str = ""


def project_link(project: Project) -> str:
    return absolute_url(reverse("proposal:detail", args=[project.pk]))


def staff_link(project: Project) -> str:
    return absolute_url(reverse("proposal:staff_detail", args=[project.pk]))


def _locked(project: Project) -> Project:
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related(
            "programme",
            "assessment__application__company",
            "assessment__manager__user",
            "facilitator__user",
        )
        .get(pk=project.pk)
    )


def _check_move(project: Project, target: str) -> None:
    if target not in PROJECT_TRANSITIONS[project.status]:
        raise ValidationError(
            _("This project is %(status)s: it cannot become %(target)s.")
            % {"status": project.get_status_display(), "target": ProjectStatus(target).label}
        )


def _require_draft(project: Project) -> None:
    if project.status != ProjectStatus.DRAFT:
        raise ValidationError(
            _("This project is %(status)s: only a draft can be changed.")
            % {"status": project.get_status_display()}
        )


def company_members(project: Project) -> list[User]:
    return list(
        User.objects.filter(
            company_membership__company_id=project.assessment.application.company_id, is_active=True
        ).order_by("pk")
    )


def managers_of(project: Project) -> list[User]:
    """The assessment's manager and, when another, the facilitating manager."""
    people = [project.assessment.manager.user]
    if project.facilitator.user_id != project.assessment.manager.user_id:
        people.append(project.facilitator.user)
    return [person for person in people if person.is_active]


def facilitator_choices(assessment: Assessment) -> Iterable[Manager]:
    """Who may facilitate: the assessment's manager, or a selected manager of the programme."""
    return (
        Manager.objects.filter(programme_id=assessment.programme_id)
        .filter(Q(status=ManagerStatus.SELECTED) | Q(pk=assessment.manager_id))
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


@transaction.atomic
def project_create(*, assessment: Assessment, by: User) -> Project:
    """The company proposes a development project from its completed assessment: a draft,
    prefilled from the outline the manager wrote in the report, facilitated by the
    assessment's manager unless the company chooses another."""
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("application__company", "manager__user", "programme")
        .get(pk=assessment.pk)
    )
    membership = getattr(by, "company_membership", None)
    if membership is None or membership.company_id != locked.application.company_id:
        raise PermissionDenied
    if locked.status != AssessmentStatus.COMPLETED:
        raise ValidationError(_("A project can be proposed only from a completed assessment."))
    if Project.objects.filter(assessment=locked).exists():
        raise ValidationError(_("A project has already been proposed from this assessment."))
    outline = getattr(locked, "project_outline", None)
    title = outline.title if outline else ""
    project = Project(
        programme=locked.programme,
        assessment=locked,
        status=ProjectStatus.DRAFT,
        title=title or _("Development project of %(company)s") % {"company": locked.application.company},
        objectives=outline.objectives if outline else "",
        total_cost=outline.estimated_cost if outline else None,
        facilitator=locked.manager,
        created_by=by,
    )
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError as error:  # the assessment row is locked: only a stale read gets here
        raise ValidationError(_("A project has already been proposed from this assessment.")) from error
    audit.record(
        obj=project, actor=by, action="created", to_status=project.status, programme=project.programme
    )
    return project


@transaction.atomic
def project_save_general(
    *,
    project: Project,
    title: str,
    objectives: str,
    recommendations: Sequence[Recommendation],
    facilitator: Manager,
    by: User,
) -> Project:
    """The first step of the draft: what the project is, which of the assessment's
    recommendations it takes up and who facilitates it."""
    locked = _locked(project)
    if not rules.is_writer.test(by, locked):
        raise PermissionDenied
    _require_draft(locked)
    errors: dict[str, str] = {}
    title = title.strip()
    if not title:
        errors["title"] = _("Give the project a title.")
    foreign = [item for item in recommendations if item.assessment_id != locked.assessment_id]
    if foreign:
        errors["recommendations"] = _("Choose among the recommendations of this assessment.")
    if not any(candidate.pk == facilitator.pk for candidate in facilitator_choices(locked.assessment)):
        errors["facilitator"] = _("Choose the assessment's manager or a selected manager of the programme.")
    if errors:
        raise ValidationError(errors)
    locked.title = title
    locked.objectives = objectives.strip()
    locked.facilitator = facilitator
    locked.save(update_fields=["title", "objectives", "facilitator", "updated_at"])
    locked.recommendations.set(recommendations)
    return locked


@transaction.atomic
def project_save_plan(*, project: Project, milestones: Sequence[MilestonePlan], by: User) -> Project:
    """The work plan: its milestones in date order, each with the tranche paid when staff
    have checked it. The draft's plan is replaced as a whole: no milestone of a draft
    has a history yet."""
    locked = _locked(project)
    if not rules.is_writer.test(by, locked):
        raise PermissionDenied
    _require_draft(locked)
    if len(milestones) > MAX_MILESTONES:
        raise ValidationError(
            {"milestones": _("A work plan has at most %(count)s milestones.") % {"count": MAX_MILESTONES}}
        )
    for plan in milestones:
        if not plan.title.strip():
            raise ValidationError({"milestones": _("Every milestone needs a title.")})
        if plan.tranche < 0:
            raise ValidationError({"milestones": _("A tranche cannot be negative.")})
    ordered = sorted(milestones, key=lambda plan: plan.due_on)
    Milestone.objects.filter(project=locked).delete()
    Milestone.objects.bulk_create(
        Milestone(
            project=locked,
            title=plan.title.strip(),
            description=plan.description.strip(),
            due_on=plan.due_on,
            tranche=plan.tranche,
            position=position,
        )
        for position, plan in enumerate(ordered)
    )
    locked.save(update_fields=["updated_at"])
    return locked


@transaction.atomic
def project_save_costs(
    *,
    project: Project,
    total_cost: Decimal | None,
    financing_requested: Decimal | None,
    own_share: Decimal | None,
    by: User,
) -> Project:
    """The costs: the total, the financing requested and the company's own share. They
    may be saved incomplete in the draft; the checklist says what does not add up."""
    locked = _locked(project)
    if not rules.is_writer.test(by, locked):
        raise PermissionDenied
    _require_draft(locked)
    errors = {
        name: _("An amount cannot be negative.")
        for name, value in (
            ("total_cost", total_cost),
            ("financing_requested", financing_requested),
            ("own_share", own_share),
        )
        if value is not None and value < 0
    }
    if errors:
        raise ValidationError(errors)
    locked.total_cost = total_cost
    locked.financing_requested = financing_requested
    locked.own_share = own_share
    locked.save(update_fields=["total_cost", "financing_requested", "own_share", "updated_at"])
    return locked


@transaction.atomic
def de_minimis_declare(*, project: Project, received: Decimal, confirmed: bool, by: User) -> Project:
    """A member of the company declares, in its name, the state aid it received under the
    de minimis rules in the current and the two previous fiscal years. Made again after
    a change of the amount: the declaration is of that amount."""
    locked = _locked(project)
    if not rules.is_company_side.test(by, locked):
        raise PermissionDenied
    _require_draft(locked)
    errors: dict[str, str] = {}
    if received is None or received < 0:
        errors["received"] = _("Give the aid received, 0 if none.")
    if not confirmed:
        errors["confirmed"] = _("Confirm the declaration in the name of the company.")
    if errors:
        raise ValidationError(errors)
    locked.de_minimis_received = received
    locked.de_minimis_declared = True
    locked.declared_by = by
    locked.declared_at = timezone.now()
    locked.save(
        update_fields=[
            "de_minimis_received",
            "de_minimis_declared",
            "declared_by",
            "declared_at",
            "updated_at",
        ]
    )
    audit.record(
        obj=locked,
        actor=by,
        action="de_minimis_declared",
        programme=locked.programme,
        data={"received": str(received)},
    )
    return locked


def figures_of(project: Project) -> checklist.ProjectFigures:
    assessment = project.assessment
    return checklist.ProjectFigures(
        assessment_completed=assessment.status == AssessmentStatus.COMPLETED,
        company_enrolled=assessment.application.status == ApplicationStatus.ENROLLED,
        total_cost=project.total_cost,
        financing_requested=project.financing_requested,
        own_share=project.own_share,
        de_minimis_declared=project.de_minimis_declared,
        de_minimis_received=project.de_minimis_received,
    )


def limits_of(project: Project) -> checklist.ProgrammeLimits:
    programme = project.programme
    return checklist.ProgrammeLimits(
        cost_min=programme.project_cost_min,
        cost_max=programme.project_cost_max,
        own_share_min_percent=programme.own_share_min_percent,
        de_minimis_ceiling=programme.de_minimis_ceiling,
    )


def compute_checklist(project: Project) -> tuple[checklist.CheckResult, ...]:
    """The computed checks on the project as it stands now."""
    return checklist.evaluate(figures_of(project), limits_of(project))


def missing_for_submission(project: Project, milestones: Sequence[Milestone]) -> dict[str, str]:
    """What the company still has to write before submitting, by step."""
    missing: dict[str, str] = {}
    if not project.title.strip() or not project.objectives.strip():
        missing["general"] = _("Write the project's title and objectives.")
    if not milestones:
        missing["plan"] = _("Add at least one milestone to the work plan.")
    if None in (project.total_cost, project.financing_requested, project.own_share):
        missing["costs"] = _("Give the total cost, the financing requested and the company's own share.")
    elif project.financing_requested + project.own_share != project.total_cost:
        missing["costs"] = _(
            "The financing requested and the company's own share must add up to the total cost."
        )
    elif (
        milestones and sum((item.tranche for item in milestones), Decimal("0")) != project.financing_requested
    ):
        missing["plan"] = _("The tranches of the milestones must add up to the financing requested.")
    if not project.de_minimis_declared or project.de_minimis_received is None:
        missing["de_minimis"] = _("Make the de minimis declaration in the name of the company.")
    return missing


@transaction.atomic
def project_submit(*, project: Project, by: User) -> Project:
    """The company submits the proposal to programme staff, who are told. It must be
    complete; whether it is eligible is for the checklist and staff to say."""
    locked = _locked(project)
    if not rules.is_company_side.test(by, locked):
        raise PermissionDenied
    _check_move(locked, ProjectStatus.SUBMITTED)
    missing = missing_for_submission(locked, list(locked.milestones.all()))
    if missing:
        raise ValidationError(list(missing.values()))
    previous = locked.status
    locked.status = ProjectStatus.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.checklist = [result.as_data() for result in compute_checklist(locked)]
    locked.save(update_fields=["status", "submitted_at", "checklist", "updated_at"])
    audit.record(
        obj=locked,
        actor=by,
        action="submitted",
        from_status=previous,
        to_status=locked.status,
        programme=locked.programme,
    )
    company = locked.assessment.application.company.legal_name
    for person in users_with_role(Role.STAFF):
        notify(
            person,
            "proposal_submitted_staff",
            link=staff_link(locked),
            company=company,
            title=locked.title,
            cost=checklist.money(locked.total_cost),
            requested=checklist.money(locked.financing_requested),
        )
    return locked


def _clean_judgement(judgement: Mapping[str, Any]) -> dict[str, bool]:
    return {key: bool(judgement.get(key)) for key in checklist.JUDGEMENT_KEYS}


def _clean_scores(scores: Mapping[str, Any], criteria: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    cleaned: dict[str, int] = {}
    for criterion in criteria:
        value = scores.get(criterion["key"])
        if value is None or value == "":
            continue
        try:
            value = int(value)
        except (TypeError, ValueError):
            value = -1
        if not checklist.SCORE_MIN <= value <= checklist.SCORE_MAX:
            raise ValidationError(
                {
                    "scores": _("A score is from %(low)s to %(high)s.")
                    % {"low": checklist.SCORE_MIN, "high": checklist.SCORE_MAX}
                }
            )
        cleaned[criterion["key"]] = value
    return cleaned


@transaction.atomic
def eligibility_save(
    *, project: Project, judgement: Mapping[str, Any], scores: Mapping[str, Any], by: User
) -> Project:
    """Staff save their checks and scores without deciding yet (a colleague may go on)."""
    if not is_programme_staff(by):
        raise PermissionDenied
    locked = _locked(project)
    if locked.status != ProjectStatus.SUBMITTED:
        raise ValidationError(
            _("This project is %(status)s: its eligibility is no longer assessed.")
            % {"status": locked.get_status_display()}
        )
    locked.judgement = _clean_judgement(judgement)
    locked.criteria_scores = _clean_scores(scores, locked.programme.project_criteria)
    locked.score = checklist.weighted_score(locked.criteria_scores, locked.programme.project_criteria)
    locked.checklist = [result.as_data() for result in compute_checklist(locked)]
    locked.save(update_fields=["judgement", "criteria_scores", "score", "checklist", "updated_at"])
    return locked


@transaction.atomic
def eligibility_declare(
    *,
    project: Project,
    eligible: bool,
    reason: str,
    judgement: Mapping[str, Any],
    scores: Mapping[str, Any],
    by: User,
) -> Project:
    """Staff declare the submitted project eligible for financing or not, with a reason
    the company reads. Eligible needs every computed check passed, every check of
    judgement confirmed and every criterion scored; the weighted score then ranks it
    for the administrators."""
    if not is_programme_staff(by):
        raise PermissionDenied
    locked = _locked(project)
    target = ProjectStatus.ELIGIBLE if eligible else ProjectStatus.INELIGIBLE
    _check_move(locked, target)
    reason = reason.strip()
    criteria = locked.programme.project_criteria
    cleaned_judgement = _clean_judgement(judgement)
    cleaned_scores = _clean_scores(scores, criteria)
    results = compute_checklist(locked)
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("Give the reason: the company reads it.")
    if eligible:
        failed = [checklist.describe(result.reason, result.params) for result in results if not result.passed]
        if failed:
            errors["decision"] = _("The checklist does not hold: %(checks)s") % {"checks": " ".join(failed)}
        elif not checklist.judgement_complete(cleaned_judgement):
            errors["judgement"] = _("Confirm every check that needs judgement before declaring it eligible.")
        if checklist.weighted_score(cleaned_scores, criteria) is None:
            errors["scores"] = _("Score every criterion before declaring it eligible.")
    if errors:
        raise ValidationError(errors)
    previous = locked.status
    locked.status = target
    locked.judgement = cleaned_judgement
    locked.criteria_scores = cleaned_scores
    locked.score = checklist.weighted_score(cleaned_scores, criteria)
    locked.checklist = [result.as_data() for result in results]
    locked.eligibility_reason = reason
    locked.save(
        update_fields=[
            "status",
            "judgement",
            "criteria_scores",
            "score",
            "checklist",
            "eligibility_reason",
            "updated_at",
        ]
    )
    audit.record(
        obj=locked,
        actor=by,
        action="declared_eligible" if eligible else "declared_ineligible",
        from_status=previous,
        to_status=target,
        reason=reason,
        programme=locked.programme,
        data={"score": str(locked.score) if locked.score is not None else None},
    )
    event = "proposal_eligible" if eligible else "proposal_ineligible"
    company = locked.assessment.application.company.legal_name
    for person in [*company_members(locked), *managers_of(locked)]:
        notify(person, event, link=project_link(locked), company=company, title=locked.title, reason=reason)
    return locked
