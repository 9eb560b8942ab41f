"""What the home pages, `manage.py stats` and the dashboard read, from every app's queries."""

from __future__ import annotations

from assessments import queries as assessment_queries
from managers import queries as manager_queries
from programme import queries as programme_queries
from programme.models import Programme
from projects import queries as project_queries
from smes import queries as sme_queries

HEADLINE_KEYS = (
    "smes_enrolled",
    "managers_selected",
    "assessments_planned",
    "assessments_assigned",
    "assessments_completed",
    "projects_eligible",
    "projects_approved",
    "projects_started",
)


def headline_figures(programme: Programme | None) -> dict[str, int]:
    """The programme's public figures. Each app adds its own as it lands; until then a figure is zero."""
    figures = dict.fromkeys(HEADLINE_KEYS, 0)
    if programme is None:
        return figures
    figures["assessments_planned"] = programme.assessment_quota
    figures.update(sme_queries.headline_figures(programme))
    figures.update(manager_queries.headline_figures(programme))
    figures.update(assessment_queries.headline_figures(programme))
    figures.update(project_queries.headline_figures(programme))
    return figures


def staff_overview(programme: Programme) -> dict:
    return {
        "figures": headline_figures(programme),
        "recent": programme_queries.recent_audit(programme),
    }
