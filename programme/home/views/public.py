"""Pages anyone may read, signed in or not."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from programme import queries as programme_queries
from programme.home import statistics as home_statistics
from programme.replicas import reads_from_replica


@reads_from_replica
def statistics(request: HttpRequest) -> HttpResponse:
    """The programme's public figures and its breakdowns by province and sector, with no
    personal data, no company names and no count small enough to point at a company."""
    programme = programme_queries.current_programme()
    context = {"programme": programme, **home_statistics.public_statistics(programme)}
    return render(request, "home/statistics.html", context)
