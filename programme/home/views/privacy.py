"""Staff pages on a person's data: find them, see what the portal holds, download it,
erase it on request."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from programme.access import role_required
from programme.home import privacy, queries
from programme.home.forms import ErasureForm, PersonSearchForm
from programme.models import User
from programme.privacy import is_erased
from programme.rules import is_programme_staff
from programme.views import attach_errors

PEOPLE_PAGE_SIZE = 25


@role_required(is_programme_staff)
def people(request: HttpRequest) -> HttpResponse:
    form = PersonSearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(queries.people_search(text), PEOPLE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "home/privacy/people.html",
        {"form": form, "page": page, "text": text, "query": f"q={text}" if text else ""},
    )


def _person_context(request: HttpRequest, person: User) -> dict:
    return {
        "person": person,
        "erased": is_erased(person),
        "sections": privacy.overview(user=person),
        "refusals": privacy.erase_refusals(user=person, by=request.user),
        "last_member_of": queries.company_left_without_members(person),
    }


@role_required(is_programme_staff)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    return render(request, "home/privacy/person_detail.html", _person_context(request, person))


@role_required(is_programme_staff)
def person_download(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    document = privacy.person_export(user=person, by=request.user)
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    filename = f"dati-persona-{person.pk}-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(is_programme_staff)
def person_erase(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    form = ErasureForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.person_erase(user=person, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("The person's data is erased: the account is anonymous and closed."))
            return redirect("home:person", pk=person.pk)
    return render(
        request, "home/privacy/person_erase.html", {**_person_context(request, person), "form": form}
    )
