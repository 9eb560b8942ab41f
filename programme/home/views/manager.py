"""The manager's home: the state of their application to the pool and, once matched, their SMEs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from programme import queries as programme_queries
from programme.access import role_required
from programme.rules import is_manager


@role_required(is_manager)
def manager_home(request: HttpRequest) -> HttpResponse:
    programme = programme_queries.current_programme()
    return render(request, "home/manager_home.html", {"programme": programme})
