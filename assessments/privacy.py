"""What the assessments app holds about a person: as a manager, their matching proposals
and assessments (visits, findings, recommendations, the project outline, the SME's
feedback); as an SME member, the visits they confirmed or disputed and the feedback they gave.

Every assessment stays with its status and dates: the programme's figures count them. The
report (summary, findings, recommendations, outline) and the visit log are the SME's and
the programme's record of publicly funded work, so they are kept, without the person's
name. What the manager wrote for themselves (why they declined an SME) goes.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import ngettext

from assessments.models import (
    OPEN_STATUSES,
    Assessment,
    Feedback,
    Finding,
    ProjectOutline,
    Proposal,
    Recommendation,
    Visit,
)
from programme import privacy
from programme.models import User

ASSESSMENT_TEXTS = ("summary", "cancel_reason", "return_comments")
VISIT_TEXTS = ("participants", "notes", "over_allowance_reason", "sme_comment")
FINDING_TEXTS = ("evidence", "strengths", "gaps")
RECOMMENDATION_TEXTS = ("title", "description")
OUTLINE_TEXTS = ("title", "objectives")


def person_erase_refusals(*, user: User) -> list[str]:
    """An assessment still open needs its manager: staff hand it over (or cancel it) first."""
    open_count = Assessment.objects.filter(manager__user=user, status__in=OPEN_STATUSES).count()
    if not open_count:
        return []
    return [
        ngettext(
            "They are the manager of %(count)d open assessment: hand it over to another manager, "
            "or cancel it, before their data can be erased.",
            "They are the manager of %(count)d open assessments: hand them over to another manager, "
            "or cancel them, before their data can be erased.",
            open_count,
        )
        % {"count": open_count}
    ]


def _visit_row(visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "held_on": visit.held_on,
        "duration": visit.duration,
        "unit": visit.duration_unit,
        "mode": visit.mode,
        "participants": visit.participants,
        "preparation_hours": visit.preparation_hours,
        "notes": visit.notes,
        "over_allowance_reason": visit.over_allowance_reason,
        "confirmation": visit.confirmation,
        "sme_comment": visit.sme_comment,
        "answered_at": visit.answered_at,
    }


def _as_manager(user: User):
    return Assessment.objects.filter(manager__user=user)


def person_sections(*, user: User) -> dict[str, QuerySet]:
    """The rows behind each section of `person_data`, for counting them without reading them."""
    return {
        "proposals": Proposal.objects.filter(manager__user=user),
        "assessments_as_manager": _as_manager(user),
        "visits_answered": Visit.objects.filter(answered_by=user),
        "feedback_given": Feedback.objects.filter(given_by=user),
    }


def person_data(*, user: User) -> dict[str, Any]:
    sections = person_sections(user=user)
    assessments = (
        sections["assessments_as_manager"]
        .select_related("programme", "application__company", "project_outline", "feedback")
        .prefetch_related(
            Prefetch("visits", queryset=Visit.objects.order_by("held_on", "pk")),
            Prefetch("findings", queryset=Finding.objects.order_by("dimension")),
            Prefetch("recommendations", queryset=Recommendation.objects.order_by("position", "pk")),
        )
        .order_by("assigned_at", "pk")
    )
    rows = []
    for assessment in assessments:
        outline = getattr(assessment, "project_outline", None)
        feedback = getattr(assessment, "feedback", None)
        rows.append(
            {
                "id": assessment.pk,
                "programme": assessment.programme.name,
                "company": assessment.application.company.legal_name,
                "status": assessment.status,
                "fit": assessment.fit,
                "assigned_at": assessment.assigned_at,
                "accepted_at": assessment.accepted_at,
                "declined_at": assessment.declined_at,
                "decline_reason": assessment.decline_reason,
                "started_at": assessment.started_at,
                "submitted_at": assessment.submitted_at,
                "completed_at": assessment.completed_at,
                "return_comments": assessment.return_comments,
                "summary": assessment.summary,
                "visits": [_visit_row(visit) for visit in assessment.visits.all()],
                "findings": [
                    {
                        "dimension": finding.dimension,
                        "current_level": finding.current_level,
                        "target_level": finding.target_level,
                        "evidence": finding.evidence,
                        "strengths": finding.strengths,
                        "gaps": finding.gaps,
                    }
                    for finding in assessment.findings.all()
                ],
                "recommendations": [
                    {
                        "title": recommendation.title,
                        "dimension": recommendation.dimension,
                        "description": recommendation.description,
                        "priority": recommendation.priority,
                        "impact": recommendation.impact,
                        "effort": recommendation.effort,
                        "horizon_months": recommendation.horizon_months,
                    }
                    for recommendation in assessment.recommendations.all()
                ],
                "project_outline": (
                    {
                        "title": outline.title,
                        "objectives": outline.objectives,
                        "estimated_cost": outline.estimated_cost,
                    }
                    if outline
                    else None
                ),
                "feedback_from_the_sme": (
                    {"rating": feedback.rating, "comment": feedback.comment} if feedback else None
                ),
            }
        )
    return {
        "proposals": [
            {
                "run": proposal.run_id,
                "application": proposal.application_id,
                "fit": proposal.fit,
                "dropped": proposal.dropped,
            }
            for proposal in sections["proposals"].order_by("run_id", "pk")
        ],
        "assessments_as_manager": rows,
        "visits_answered": [
            {**_visit_row(visit), "assessment": visit.assessment_id}
            for visit in sections["visits_answered"].order_by("held_on", "pk")
        ],
        "feedback_given": [
            {
                "assessment": feedback.assessment_id,
                "rating": feedback.rating,
                "comment": feedback.comment,
                "created_at": feedback.created_at,
            }
            for feedback in sections["feedback_given"].order_by("created_at", "pk")
        ],
    }


def _scrub_rows(queryset, fields: tuple[str, ...], found: privacy.Identifiers) -> int:
    changed = 0
    for row in queryset.filter(found.text_filter(*fields)):
        for name in fields:
            setattr(row, name, found.scrub(getattr(row, name)))
        row.save(update_fields=list(fields))
        changed += 1
    return changed


def person_erase(*, user: User, by: User | None) -> dict[str, int]:
    """Blank the reasons the manager gave for declining, and take the person's name out of
    the reports, visit logs and feedback.
    Refused (ValidationError) while they manage an open assessment. Safe to run again."""
    refusals = person_erase_refusals(user=user)
    if refusals:
        raise ValidationError(refusals)
    found = privacy.identifiers(user)
    phones = _as_manager(user).values_list("manager__phone", flat=True).distinct()
    found = found.with_more(phone for phone in phones if phone)

    declined = _as_manager(user).exclude(decline_reason="").exclude(decline_reason=privacy.ERASED_TEXT)
    erased_texts = list(declined.values_list("decline_reason", flat=True))
    summary = {"decline_reasons_erased": declined.update(decline_reason=privacy.ERASED_TEXT)}

    # Wherever the name was written (the manager's report naming the SME's people, a visit
    # log listing who took part, the SME's feedback naming the manager), it is replaced;
    # the SQL pre-filter keeps this to the rows that hold it.
    summary["texts_scrubbed"] = sum(
        _scrub_rows(model.objects.all(), fields, found)
        for model, fields in (
            (Assessment, ASSESSMENT_TEXTS),
            (Visit, VISIT_TEXTS),
            (Finding, FINDING_TEXTS),
            (Recommendation, RECOMMENDATION_TEXTS),
            (ProjectOutline, OUTLINE_TEXTS),
            (Feedback, ("comment",)),
        )
    )
    summary["audit_reasons_erased"] = privacy.erase_audit_reasons(user=user, texts=erased_texts)
    return summary
