"""What the projects app holds about a person: the development projects they proposed
(or their company did), those they facilitate as a manager, and, as an administrator, their
financing decisions and declared conflicts.

Projects, milestones and decisions stay whole with their statuses and amounts: they are
the envelope's figures and the legal record of public money granted. Their texts lose the
person's name. A declared conflict of interest describes a private tie, so its text goes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from programme import privacy
from programme.models import User
from projects.models import Approval, Milestone, Project, Recusal

PROJECT_TEXTS = (
    "title",
    "objectives",
    "eligibility_reason",
    "decision_reason",
    "final_report",
    "revocation_reason",
)
MILESTONE_TEXTS = ("title", "description", "evidence")


def _projects(user: User):
    return Project.objects.filter(
        pk__in=Project.objects.filter(
            Q(created_by=user)
            | Q(declared_by=user)
            | Q(facilitator__user=user)
            | Q(assessment__application__company__memberships__user=user)
        ).values("pk")
    )


def person_sections(*, user: User) -> dict[str, QuerySet]:
    """The rows behind each section of `person_data`, for counting them without reading them."""
    return {
        "projects": _projects(user),
        "decisions": Approval.objects.filter(administrator=user),
        "conflicts_declared": Recusal.objects.filter(administrator=user),
    }


def person_data(*, user: User) -> dict[str, Any]:
    sections = person_sections(user=user)
    projects = (
        sections["projects"]
        .select_related("programme", "assessment__application__company")
        .prefetch_related("milestones")
    )
    return {
        "projects": [
            {
                "id": project.pk,
                "programme": project.programme.name,
                "company": project.assessment.application.company.legal_name,
                "title": project.title,
                "status": project.status,
                "objectives": project.objectives,
                "proposed_by_them": project.created_by_id == user.pk,
                "declared_by_them": project.declared_by_id == user.pk,
                "total_cost": project.total_cost,
                "financing_requested": project.financing_requested,
                "amount_granted": project.amount_granted,
                "amount_paid": project.amount_paid,
                "de_minimis_received": project.de_minimis_received,
                "decision_reason": project.decision_reason,
                "final_report": project.final_report,
                "submitted_at": project.submitted_at,
                "decided_at": project.decided_at,
                "milestones": [
                    {
                        "title": milestone.title,
                        "due_on": milestone.due_on,
                        "status": milestone.status,
                        "tranche": milestone.tranche,
                    }
                    for milestone in project.milestones.all()
                ],
            }
            for project in projects.order_by("created_at", "pk")
        ],
        "decisions": [
            {
                "project": approval.project_id,
                "decision": approval.decision,
                "amount": approval.amount,
                "reason": approval.reason,
                "created_at": approval.created_at,
            }
            for approval in sections["decisions"].order_by("created_at", "pk")
        ],
        "conflicts_declared": [
            {"project": recusal.project_id, "reason": recusal.reason, "created_at": recusal.created_at}
            for recusal in sections["conflicts_declared"].order_by("created_at", "pk")
        ],
    }


def person_erase(*, user: User, by: User | None) -> dict[str, int]:
    """Take the person's name out of the projects', milestones' and decisions' texts and
    blank the conflicts they declared. Safe to run again."""
    found = privacy.identifiers(user)
    scrubbed = 0
    # Wherever the name was written (a project's objectives naming its contact person, an
    # administrator's reason naming a member), it is replaced; the rest of the text stays.
    for project in Project.objects.filter(found.text_filter(*PROJECT_TEXTS)):
        for name in PROJECT_TEXTS:
            setattr(project, name, found.scrub(getattr(project, name)))
        project.title = project.title[:200]
        project.save(update_fields=[*PROJECT_TEXTS, "updated_at"])
        scrubbed += 1
    for milestone in Milestone.objects.filter(found.text_filter(*MILESTONE_TEXTS)):
        for name in MILESTONE_TEXTS:
            setattr(milestone, name, found.scrub(getattr(milestone, name)))
        milestone.title = milestone.title[:200]
        milestone.save(update_fields=list(MILESTONE_TEXTS))
        scrubbed += 1
    for approval in Approval.objects.filter(found.text_filter("reason")):
        approval.reason = found.scrub(approval.reason)
        approval.save(update_fields=["reason"])
        scrubbed += 1
    for recusal in Recusal.objects.exclude(administrator=user).filter(found.text_filter("reason")):
        recusal.reason = found.scrub(recusal.reason)[:300]
        recusal.save(update_fields=["reason"])
        scrubbed += 1
    recusals = Recusal.objects.filter(administrator=user).exclude(reason=privacy.ERASED_TEXT)
    erased_texts = list(recusals.values_list("reason", flat=True))
    return {
        "texts_scrubbed": scrubbed,
        "conflicts_blanked": recusals.update(reason=privacy.ERASED_TEXT),
        "audit_reasons_erased": privacy.erase_audit_reasons(user=user, texts=erased_texts),
    }
