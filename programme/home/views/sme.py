"""The SME member's home: where the company's application stands and what happens next."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from programme import queries as programme_queries
from programme.access import role_required
from programme.rules import is_sme_member


@role_required(is_sme_member)
def sme_home(request: HttpRequest) -> HttpResponse:
    programme = programme_queries.current_programme()
    return render(request, "home/sme_home.html", {"programme": programme})
