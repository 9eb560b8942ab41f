"""Read side of the projects app shared by its parts: the headline figures."""

from __future__ import annotations

from django.db.models import Count, Q

from programme.models import Programme
from projects.models import Project, ProjectStatus

# Declared eligible at some point, whatever happened after.
EVER_ELIGIBLE = (
    ProjectStatus.ELIGIBLE,
    ProjectStatus.AWAITING_SECOND_APPROVAL,
    ProjectStatus.APPROVED,
    ProjectStatus.REJECTED,
    ProjectStatus.STARTED,
    ProjectStatus.CLOSED,
    ProjectStatus.REVOKED,
)


def headline_figures(programme: Programme) -> dict[str, int]:
    """Projects ever declared eligible; approved, started or closed; started or closed."""
    return Project.objects.filter(programme=programme).aggregate(
        projects_eligible=Count("pk", filter=Q(status__in=EVER_ELIGIBLE)),
        projects_approved=Count(
            "pk", filter=Q(status__in=[ProjectStatus.APPROVED, ProjectStatus.STARTED, ProjectStatus.CLOSED])
        ),
        projects_started=Count("pk", filter=Q(status__in=[ProjectStatus.STARTED, ProjectStatus.CLOSED])),
    )
