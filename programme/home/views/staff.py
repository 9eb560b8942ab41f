"""The staff home: the programme at a glance."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from programme import queries as programme_queries
from programme.access import role_required
from programme.home import queries
from programme.rules import is_programme_staff


@role_required(is_programme_staff)
def staff_home(request: HttpRequest) -> HttpResponse:
    programme = programme_queries.current_programme()
    overview = queries.staff_overview(programme) if programme else None
    return render(request, "home/staff_home.html", {"programme": programme, "overview": overview})
