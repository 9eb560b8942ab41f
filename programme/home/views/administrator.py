"""The administrator's home: the financing envelope and the projects awaiting a decision."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from programme import queries as programme_queries
from programme.access import role_required
from programme.rules import is_administrator
from projects.financing import queries as financing_queries


@role_required(is_administrator)
def administrator_home(request: HttpRequest) -> HttpResponse:
    programme = programme_queries.current_programme()
    home = financing_queries.administrator_home(programme, request.user) if programme else None
    return render(request, "home/administrator_home.html", {"programme": programme, "home": home})
