"""The administrator's home: the financing envelope and the projects awaiting a decision."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from programme import queries as programme_queries
from programme.access import role_required
from programme.rules import is_administrator


@role_required(is_administrator)
def administrator_home(request: HttpRequest) -> HttpResponse:
    programme = programme_queries.current_programme()
    return render(request, "home/administrator_home.html", {"programme": programme})
