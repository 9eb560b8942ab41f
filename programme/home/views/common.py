"""The landing page, where signing in leads, and the error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from programme import queries as programme_queries
from programme.home import statistics
from programme.roles import Role, primary_role

HOME_OF_ROLE = {
    Role.SME_MEMBER: "home:sme",
    Role.MANAGER: "home:manager",
    Role.STAFF: "home:staff",
    Role.ADMINISTRATOR: "home:administrator",
}


def landing(request: HttpRequest) -> HttpResponse:
    """The public page that explains the programme: who it is for, how it works, how to take part."""
    programme = programme_queries.current_programme()
    context = {"programme": programme, "figures": statistics.headline(programme) if programme else []}
    return render(request, "home/landing.html", context)


def dispatch(request: HttpRequest) -> HttpResponse:
    """Where signing in leads: the home of the person's role."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    role = primary_role(request.user)
    if role is None:
        if request.user.is_superuser:
            return redirect("admin:index")
        return render(request, "home/no_role.html", status=403)
    return redirect(HOME_OF_ROLE[role])


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)
