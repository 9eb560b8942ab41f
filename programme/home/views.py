"""Each role's home page, the landing page, and the error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from programme import queries as programme_queries
from programme.access import role_required
from programme.home import queries
from programme.roles import Role, primary_role
from programme.rules import is_administrator, is_manager, is_programme_staff, is_sme_member

HOME_OF_ROLE = {
    Role.SME_MEMBER: "home:sme",
    Role.MANAGER: "home:manager",
    Role.STAFF: "home:staff",
    Role.ADMINISTRATOR: "home:administrator",
}


def landing(request: HttpRequest) -> HttpResponse:
    """The public page that explains the programme: who it is for, how it works, how to take part."""
    programme = programme_queries.current_programme()
    return render(request, "home/landing.html", {"programme": programme})


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


@role_required(is_sme_member)
def sme_home(request: HttpRequest) -> HttpResponse:
    programme = programme_queries.current_programme()
    return render(request, "home/sme_home.html", {"programme": programme})


@role_required(is_manager)
def manager_home(request: HttpRequest) -> HttpResponse:
    programme = programme_queries.current_programme()
    return render(request, "home/manager_home.html", {"programme": programme})


@role_required(is_programme_staff)
def staff_home(request: HttpRequest) -> HttpResponse:
    programme = programme_queries.current_programme()
    overview = queries.staff_overview(programme) if programme else None
    return render(request, "home/staff_home.html", {"programme": programme, "overview": overview})


@role_required(is_administrator)
def administrator_home(request: HttpRequest) -> HttpResponse:
    programme = programme_queries.current_programme()
    return render(request, "home/administrator_home.html", {"programme": programme})


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)
