"""The SME member's home: where the company's application stands and what happens next."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assessments import queries as assessment_queries
from programme import queries as programme_queries
from programme.access import role_required
from programme.rules import is_sme_member
from smes import queries as sme_queries


@role_required(is_sme_member)
def sme_home(request: HttpRequest) -> HttpResponse:
    programme = programme_queries.current_programme()
    membership = sme_queries.membership_of(request.user)
    application = sme_queries.member_application(request.user, programme)
    return render(
        request,
        "home/sme_home.html",
        {
            "programme": programme,
            "company": membership.company if membership else None,
            "application": application,
            "timeline": sme_queries.timeline(application, for_members=True) if application else [],
            "assessment": assessment_queries.sme_assessment(application),
        },
    )
