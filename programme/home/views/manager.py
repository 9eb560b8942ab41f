"""The manager's home: the state of their application to the pool and, once matched, their SMEs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from assessments import queries as assessment_queries
from managers import queries as manager_queries
from managers.rules import can_leave_pool, can_set_unavailability
from programme import queries as programme_queries
from programme.access import role_required
from programme.rules import is_manager


@role_required(is_manager)
def manager_home(request: HttpRequest) -> HttpResponse:
    programme = programme_queries.current_programme()
    home = manager_queries.manager_home(request.user, programme)
    manager = home["manager"]
    return render(
        request,
        "home/manager_home.html",
        {
            "programme": programme,
            "manager": manager,
            "missing": home["missing"],
            "can_leave": manager is not None and can_leave_pool(request.user, manager),
            "can_set_unavailability": manager is not None and can_set_unavailability(request.user, manager),
            "timeline": manager_queries.timeline(manager, for_manager=True) if manager else [],
            "assessments": list(assessment_queries.manager_assessments(request.user, programme))
            if manager
            else [],
            "today": timezone.localdate(),
        },
    )
