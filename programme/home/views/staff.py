"""The staff home: the programme dashboard, and the full list of managers by workload."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from programme import queries as programme_queries
from programme.access import role_required
from programme.home import queries
from programme.pagination import KeysFirstPaginator
from programme.replicas import reads_from_replica
from programme.rules import is_programme_staff

WORKLOAD_PAGE_SIZE = 25


@role_required(is_programme_staff)
@reads_from_replica
def staff_home(request: HttpRequest) -> HttpResponse:
    programme = programme_queries.current_programme()
    board = queries.dashboard_as_of_last_change(programme, timezone.localdate()) if programme else None
    return render(
        request,
        "home/staff_home.html",
        {
            "programme": programme,
            "board": board,
            "charts": queries.chart_data(board) if board else None,
        },
    )


@role_required(is_programme_staff)
def workload(request: HttpRequest) -> HttpResponse:
    """Every manager in the pool (and the suspended ones) by workload, busiest or idlest first."""
    programme = programme_queries.current_programme()
    sort = request.GET.get("sort", queries.DEFAULT_WORKLOAD_SORT)
    if sort not in queries.WORKLOAD_SORTS:
        sort = queries.DEFAULT_WORKLOAD_SORT
    page = None
    if programme:
        page = KeysFirstPaginator(queries.workload_sorted(programme, sort), WORKLOAD_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    return render(
        request,
        "home/workload.html",
        {"programme": programme, "page": page, "sort": sort, "query": f"sort={sort}"},
    )
